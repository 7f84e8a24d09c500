from slotbook.cli import main

main()
