package io.tcpstack.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import io.tcpstack.wire.IpAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tcpstack serve}: creates (or joins) a network namespace, puts a TUN device in it,
 * runs the stack with its services (echo 7, discard 9, chargen 19, HTTP 80) until SIGINT
 * or SIGTERM, then removes what it created and prints its counters. The options, the
 * {@code ready:} line and the clean exit 0 on a signal are a contract that users' scripts
 * rely on.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Run the stack on a TUN device until SIGINT/SIGTERM.",
        "Prints 'ready: stack ADDR on TUN in netns NS' once it serves."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StackOptions options;

    @Override
    public Integer call() throws Exception {
        final StackOptions.Settings s = options.validate();
        final PrintWriter out = spec.commandLine().getOut();
        return StackRunner.run(s, options.countersGiven(), ServiceListeners::register, (stack, stop) -> {
            Signals.onStop(stop::countDown);
            out.println("ready: stack " + IpAddress.format(s.stackAddress()) + " on " + s.tun() + " " + s.where());
            out.flush();
            stop.await();
            return 0;
        }, out, true);
    }
}
