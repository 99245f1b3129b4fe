package io.tcpstack.tun;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Named network namespaces as {@code ip netns} manages them (ip-netns(8)): each is a file
 * under {@code /var/run/netns/} that keeps the namespace alive.
 *
 * <p>{@link #create} and {@link #delete} shell out to {@code ip netns}, so the namespace
 * is visible to {@code ip -n NAME ...} exactly as if a person had made it. Entering one is
 * done without a shell: {@link #inside} runs a task on a new, short-lived thread that first
 * calls setns(2) with {@code CLONE_NEWNET}. setns changes only the calling thread, and a
 * file descriptor keeps the namespace it was created in, so a TUN fd or socket opened by
 * the task stays in that namespace when other threads use it later.
 *
 * <p>All methods are for start-up and tests, not the hot path; any thread may call them.
 */
public final class NetNamespace {
    /** Where ip-netns(8) keeps the namespace files. */
    public static final Path NETNS_DIR = Path.of("/var/run/netns");

    private static final long IP_COMMAND_TIMEOUT_SECONDS = 10;

    private NetNamespace() {
    }

    /** Whether {@code /var/run/netns/NAME} exists. */
    public static boolean exists(final String name) {
        return Files.exists(NETNS_DIR.resolve(checkName(name)));
    }

    /**
     * Creates the namespace with {@code ip netns add NAME}.
     *
     * @throws TunException with the command's message if it fails (e.g. the name exists)
     */
    public static void create(final String name) {
        runIp("create", checkName(name), "netns", "add", name);
    }

    /**
     * Deletes the namespace with {@code ip netns del NAME}; interfaces in it (a TUN whose fd
     * is still open, too) go with it once nothing holds the namespace any more.
     *
     * @return {@code false} if there was no such namespace
     * @throws TunException if it exists and {@code ip} fails
     */
    public static boolean delete(final String name) {
        if (!exists(name)) {
            return false;
        }
        runIp("delete", name, "netns", "del", name);
        return true;
    }

    /**
     * Runs {@code task} inside the named network namespace, on a dedicated thread, and
     * waits for it. With a {@code null} name the task runs on the calling thread, in the
     * current namespace.
     *
     * @return what the task returned
     * @throws TunException if the namespace does not exist or cannot be entered; whatever
     *                      the task throws is rethrown unchanged
     */
    public static <T> T inside(final String name, final Supplier<T> task) {
        if (name == null) {
            return task.get();
        }
        checkName(name);
        final TaskInNamespace<T> run = new TaskInNamespace<>(name, task);
        final Thread thread = new Thread(run, "tcpstack-netns-" + name);
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (final InterruptedException e) {
                interrupted = true; // the task is short; finish it so no fd leaks, then re-assert
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return run.result();
    }

    /** Enters the namespace on the calling thread. Only for threads made for that purpose. */
    private static void enter(final String name) {
        final String path = NETNS_DIR.resolve(name).toString();
        final LibC libc = LibC.INSTANCE;
        final int fd = libc.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            final int errno = LibC.errno();
            if (errno == LibC.ENOENT) {
                throw new TunException("network namespace " + name + " does not exist: create it with 'ip netns add "
                    + name + "'.");
            }
            throw new TunException("cannot open network namespace " + name + ": " + TunException.describe(errno) + ".");
        }
        try {
            if (libc.setns(fd, LibC.CLONE_NEWNET) != 0) {
                final int errno = LibC.errno();
                if (errno == LibC.EPERM) {
                    throw new TunException("cannot enter network namespace " + name
                        + ": permission denied. Run as root (setns needs CAP_SYS_ADMIN).");
                }
                throw new TunException("cannot enter network namespace " + name + ": "
                    + TunException.describe(errno) + ".");
            }
        } finally {
            libc.close(fd);
        }
    }

    private static String checkName(final String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
            || name.length() > 255) {
            throw new TunException("invalid network namespace name '" + name + "': use letters, digits, '-', '_'.");
        }
        return name;
    }

    private static void runIp(final String what, final String name, final String... args) {
        final String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        final Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (final IOException e) {
            throw new TunException("cannot " + what + " network namespace " + name
                + ": cannot run 'ip' (install iproute2): " + e.getMessage());
        }
        try (InputStream out = process.getInputStream()) {
            final String output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(IP_COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new TunException("cannot " + what + " network namespace " + name + ": 'ip' did not finish in "
                    + IP_COMMAND_TIMEOUT_SECONDS + " s.");
            }
            if (process.exitValue() != 0) {
                final String firstLine = output.isEmpty() ? "exit status " + process.exitValue() : output.lines().findFirst().orElse("");
                throw new TunException("cannot " + what + " network namespace " + name + ": " + firstLine);
            }
        } catch (final IOException e) {
            throw new TunException("cannot " + what + " network namespace " + name + ": " + e.getMessage());
        } catch (final InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new TunException("cannot " + what + " network namespace " + name + ": interrupted.");
        }
    }

    /** The body of the namespace thread: enter, run, keep the outcome for the caller. */
    private static final class TaskInNamespace<T> implements Runnable {
        private final String name;
        private final Supplier<T> task;
        private T value;
        private Throwable failure;

        TaskInNamespace(final String name, final Supplier<T> task) {
            this.name = name;
            this.task = task;
        }

        @Override
        public void run() {
            try {
                enter(name);
                value = task.get();
            } catch (final Throwable t) {
                failure = t;
            }
        }

        /** Called after join(), which orders these plain fields (JLS 17.4.5). */
        T result() {
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            if (failure != null) {
                throw new TunException("task in network namespace " + name + " failed: " + failure);
            }
            return value;
        }
    }
}
