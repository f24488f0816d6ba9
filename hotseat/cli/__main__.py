"""`python -m hotseat.cli`: the same as the `hotseat` command."""

from hotseat.cli.main import main

if __name__ == "__main__":
    main()
