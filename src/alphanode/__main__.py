"""Entry point for ``python -m alphanode``."""

from alphanode.cli.main import main

if __name__ == "__main__":
    main()
