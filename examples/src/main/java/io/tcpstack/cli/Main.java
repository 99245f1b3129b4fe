package io.tcpstack.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tcpstack} command line. */
@Command(
    name = "tcpstack",
    mixinStandardHelpOptions = true,
    version = "tcpstack 0.1.0",
    description = "A user-space TCP/IPv4 stack behind a Linux TUN device.",
    subcommands = {ServeCommand.class, GetCommand.class, StatCommand.class, SsCommand.class, SynfloodCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
    private Main() {
    }

    public static void main(final String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int run(final String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (error handling included), for tests to run with captured output. */
    static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, argv) -> {
            ex.getCommandLine().getErr().println("tcpstack: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'tcpstack " + ex.getCommandLine().getCommandName() + " --help'.");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof UserError) {
                commandLine.getErr().println("tcpstack: " + ex.getMessage());
                return ((UserError) ex).exitCode();
            }
            commandLine.getErr().println("tcpstack: unexpected failure: " + ex);
            ex.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli;
    }
}
