#!/usr/bin/env python
from fugong.cli import main

if __name__ == "__main__":
    main()
