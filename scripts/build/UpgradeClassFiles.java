import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URLClassLoader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the CLI jar (engine/pom.xml runs it after the shade): re-emits the class files of
 * the given package prefixes that are older than class-file version 50 as version 52 (Java 8), with
 * the StackMapTable the JDK's ClassFile API computes; instructions, members and attributes are
 * otherwise those of the input.
 *
 * <p>Why: picocli ships Java 5 class files (version 49). The JVM links those with its old
 * type-inferring verifier, and the AOT cache (JEP 483) refuses classes linked that way ("Old class
 * has been linked"), so every jthin command loaded and linked picocli's ~170 classes from the jar,
 * 60-80 ms of a short command such as check (issue 7, W7). Re-emitted, they are stored in and
 * loaded from the cache like every other class.
 *
 * <p>Every re-emitted class is checked with {@code ClassFile.verify} (the JDK's verifier) and the
 * step fails, leaving the jar as it was, on any error. The jar is rewritten through a temporary file
 * in the same directory and moved over the original; entry order, times and methods are kept.
 *
 * <p>Usage: {@code java UpgradeClassFiles.java JAR PREFIX...} (prefixes like {@code picocli/}).
 */
public final class UpgradeClassFiles {
    private static final int OLDEST_KEPT = 50;
    private static final int TARGET = 52;

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java UpgradeClassFiles.java JAR PREFIX...");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        List<String> prefixes = Arrays.asList(args).subList(1, args.length);
        Path tmp = Files.createTempFile(jar.toAbsolutePath().getParent(), jar.getFileName().toString(), ".tmp");
        int upgraded = 0;
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                InputStream fin = Files.newInputStream(jar);
                ZipInputStream in = new ZipInputStream(fin);
                OutputStream fout = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(fout)) {
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (selected(e.getName(), prefixes) && majorVersion(bytes) < OLDEST_KEPT) {
                    bytes = upgrade(cf, e.getName(), bytes);
                    upgraded++;
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                copy.setMethod(ZipEntry.DEFLATED);
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (upgraded == 0) {
            Files.delete(tmp); // nothing old (already done, or another library version): the jar stays
            return;
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean selected(String entry, List<String> prefixes) {
        return entry.endsWith(".class") && prefixes.stream().anyMatch(entry::startsWith);
    }

    /** The major version of a class file (bytes 6-7, big-endian); 0 if it is not one. */
    static int majorVersion(byte[] b) {
        boolean magic = b.length >= 8 && (b[0] & 0xff) == 0xCA && (b[1] & 0xff) == 0xFE && (b[2] & 0xff) == 0xBA
                && (b[3] & 0xff) == 0xBE;
        return magic ? ((b[6] & 0xff) << 8) | (b[7] & 0xff) : 0;
    }

    private static byte[] upgrade(ClassFile cf, String entry, byte[] bytes) {
        ClassModel model = cf.parse(bytes);
        ClassTransform version = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        // Passing every method body through a code transform makes the builder re-emit the code,
        // and with it compute the stack maps that version 50+ requires.
        byte[] out = cf.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(version));
        List<VerifyError> errors = cf.verify(out);
        if (!errors.isEmpty()) {
            throw new IllegalStateException(entry + " does not verify after re-emission: " + errors);
        }
        return out;
    }
}
