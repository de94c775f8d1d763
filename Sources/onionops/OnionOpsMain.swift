import OnionOpsCommands

@main
struct OnionOpsMain {
    static func main() async {
        await OnionOpsCommand.main()
    }
}
