/* The checkpoint's camera: decode a pass's QR code from the phone's camera with the vendored
   jsQR and submit the code the way typing it would. Needs a secure context (HTTPS or
   localhost); elsewhere the page keeps the typed form and says why. No inline code (CSP). */
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("scanner");
    if (!box) return;
    var form = document.getElementById("check-form");
    var input = document.getElementById("code");
    var video = document.getElementById("scan-video");
    var status = document.getElementById("scan-status");
    var button = document.getElementById("scan-start");
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;

    function say(text) {
      status.textContent = text;
    }

    if (!window.isSecureContext) {
      box.hidden = false;
      button.hidden = true;
      video.hidden = true;
      say(box.dataset.insecure);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      box.hidden = false;
      button.hidden = true;
      video.hidden = true;
      say(box.dataset.unsupported);
      return;
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }

    function found(text) {
      stop();
      input.value = text;
      say(box.dataset.found);
      form.submit();
    }

    function tick() {
      if (!stream) return;
      if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height, {
          inversionAttempts: "dontInvert",
        });
        if (code && code.data) {
          found(code.data);
          return;
        }
      }
      window.requestAnimationFrame(tick);
    }

    function open() {
      say(box.dataset.opening);
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          return video.play();
        })
        .then(function () {
          say(box.dataset.aim);
          window.requestAnimationFrame(tick);
        })
        .catch(function (err) {
          stop();
          video.hidden = true;
          say(box.dataset.denied + " (" + (err && err.name ? err.name : "error") + ")");
        });
    }

    box.hidden = false;
    button.addEventListener("click", open);
    if (box.dataset.autostart === "1") open();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
