from indexadvisor.cli import main

main()
