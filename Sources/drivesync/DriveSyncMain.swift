import ArgumentParser
import DriveSyncCommands

@main
enum DriveSyncMain {
    static func main() async {
        await DriveSyncCommand.main(nil)
    }
}
