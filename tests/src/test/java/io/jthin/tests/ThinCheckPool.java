package io.jthin.tests;

import io.jthin.loopfile.BlockDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Runs {@code thin_check} on metadata images in the background, several processes at once
 * (thin_check 0.9.0 spends ~40 ms of a run waiting, not computing, so they overlap well), and runs
 * it only once per distinct image.
 *
 * <p>"Distinct" is decided by a caller-supplied key: the crash harness passes the bytes thin_check
 * can reach (superblock plus every block the metadata space map counts). That is sound: if an image
 * passes, every block it references is counted, so any other image with the same key shows
 * thin_check the very same bytes; an image that references an uncounted block fails on its own
 * first run. Thread-safe.
 */
final class ThinCheckPool implements AutoCloseable {
    private final Path dir;
    private final ExecutorService exec;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final List<Future<?>> pending = new ArrayList<>();
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger submitted = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    ThinCheckPool(Path dir, int processes) {
        this.dir = dir;
        ThinTools.locate("thin_check");
        this.exec = Executors.newFixedThreadPool(processes, r -> {
            Thread t = new Thread(r, "thin_check");
            t.setDaemon(true);
            return t;
        });
    }

    /** Bytes of a whole device. */
    static byte[] image(BlockDevice device) {
        byte[] all = new byte[Math.toIntExact(device.size())];
        device.read(0, ByteBuffer.wrap(all));
        return all;
    }

    /** A 64-bit content key (two independent CRCs plus the length). */
    static String key(byte[] bytes, int offset, int length, String extra) {
        CRC32C a = new CRC32C();
        a.update(bytes, offset, length);
        CRC32 b = new CRC32();
        b.update(bytes, offset, length);
        return Long.toHexString(a.getValue()) + Long.toHexString(b.getValue()) + ":" + length + ":" + extra;
    }

    /**
     * Checks the image unless an image with the same {@code key} was submitted before (the supplier
     * is called at once, on the caller's thread, only for a new key). Returns true when a run was
     * started.
     */
    boolean submit(String key, java.util.function.Supplier<byte[]> image, String context) {
        submitted.incrementAndGet();
        if (!seen.add(key)) {
            return false;
        }
        byte[] bytes = image.get();
        Future<?> f = exec.submit(() -> runOne(bytes, context));
        synchronized (pending) {
            pending.add(f);
        }
        return true;
    }

    private void runOne(byte[] image, String context) {
        try {
            Path file = Files.createTempFile(dir, "meta", ".bin");
            try {
                Files.write(file, image);
                Process p = new ProcessBuilder(ThinTools.locate("thin_check"), "-q", file.toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    failures.add(context + ": thin_check did not finish within 120 s");
                    return;
                }
                runs.incrementAndGet();
                if (p.exitValue() != 0) {
                    ThinTools.Result r = ThinTools.run("thin_check", file.toString());
                    // Outside the test's temporary directory, which JUnit deletes: kept for thin_dump and friends.
                    Path keep = Path.of("target", "thin-check-failures");
                    Files.createDirectories(keep);
                    Path kept = Files.copy(file, keep.resolve("failed-" + System.nanoTime() + ".meta"));
                    failures.add(context + ": thin_check exited " + p.exitValue() + " (image kept as " + kept + ")\n"
                            + r.stdout() + r.stderr());
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(context + ": interrupted");
        }
    }

    /** Waits for every run started so far. */
    void await() {
        List<Future<?>> all;
        synchronized (pending) {
            all = new ArrayList<>(pending);
        }
        for (Future<?> f : all) {
            try {
                f.get(10, TimeUnit.MINUTES);
            } catch (Exception e) {
                failures.add("thin_check run failed: " + e);
            }
        }
    }

    int runs() {
        return runs.get();
    }

    int submitted() {
        return submitted.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() {
        exec.shutdownNow();
    }
}
