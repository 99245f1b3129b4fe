package io.tcpstack.experiments.synflood;

import java.util.ArrayDeque;
import java.util.Deque;

import io.tcpstack.tun.NetNamespace;

/**
 * Everything the experiment must undo, in reverse order of creation: child processes
 * (stopped by PID) and network namespaces (deleted by the name this run created). Closed
 * after each target, and from a shutdown hook on Ctrl-C or SIGTERM; idempotent, thread-safe.
 */
final class Resources implements AutoCloseable {
    private final Deque<Object> items = new ArrayDeque<>();
    private final Host host;

    Resources(final Host host) {
        this.host = host;
    }

    synchronized Child add(final Child child) {
        items.push(child);
        return child;
    }

    /** Creates a namespace with {@code ip netns add} and remembers to delete it. */
    synchronized void createNamespace(final String name) {
        host.note("ip netns add " + name);
        NetNamespace.create(name);
        items.push(new Namespace(name));
    }

    /** Remembers a namespace another process creates (and should delete), to delete it if that process does not. */
    synchronized void adoptNamespace(final String name) {
        items.push(new Namespace(name));
    }

    @Override
    public synchronized void close() {
        boolean interrupted = false;
        while (!items.isEmpty()) {
            final Object item = items.pop();
            try {
                if (item instanceof Child child) {
                    child.stop(5000);
                } else if (item instanceof Namespace ns && NetNamespace.exists(ns.name)) {
                    host.note("ip netns del " + ns.name);
                    NetNamespace.delete(ns.name);
                }
            } catch (final InterruptedException e) {
                interrupted = true; // finish the clean-up first
            } catch (final RuntimeException e) {
                System.err.println("synflood: clean-up: " + e.getMessage());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private record Namespace(String name) {
    }
}
