import ArgumentParser
import DriveSyncCommands

await DriveSyncCommand.main()
