package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** MetadataSize and its command line against §7.7 and 0.9.0 {@code thin_metadata_size}, output for output. */
class MetadataSizeTest {

    @Test
    void formulaMatchesTheSpec() {
        long tib = 1L << 40;
        assertEquals(549_490_688L, MetadataSize.estimateBytes(128, tib / 512, 1000));
        assertEquals(53_268_480L, MetadataSize.estimateBytes(128, (100L << 30) / 512, 1));
        assertEquals(532_652L * 1024, MetadataSize.estimateBytes(2048, 16 * tib / 512, 10));
        assertEquals(1 + 2 * 2097152 / 128 / 252 + 10, MetadataSize.metadataBlocks(128, 2097152, 10));
    }

    @Test
    void numbersPrintLikePrintf() {
        assertEquals("524.04", MetadataSize.number(549_490_688.0 / (1 << 20)));
        assertEquals("5.00e-04", MetadataSize.number(549_490_688.0 / (1L << 40)));
        assertEquals("0.12", MetadataSize.number(0.125), "glibc rounds the exact binary value half-even");
        assertEquals("1.23e+03", MetadataSize.number(1234.001));
        assertEquals("0", MetadataSize.number(Double.POSITIVE_INFINITY), "(unsigned long long) inf on x86-64");
        assertEquals("18446744073709549568", MetadataSize.number(0x1.fffffffffffffp63));
    }

    static Stream<String> commandLines() {
        List<String> lines = new ArrayList<>(List.of(
                "-b 64k -s 100g -m 1000", "-b 64k -s 1t -m 1000 -n -u b", "-b 64k -s 1t -m 1000 -u m",
                "-b 64k -s 1t -m 1000 -u m -n short", "-b 64k -s 1t -m 1000 -u m -nlong",
                "-b 64k -s 1t -m 1000 -u M -nshort", "-b 64k -s 1t -m 1000 -nl -u m", "-b 64k -s 1t -m 1000 -ns -u m",
                "-b 128 -s 2097152 -m 10", "-b 64k -s 16t -m 1 -u g", "-b 1m -s 16t -m 10 -u k", "-b 64k -s 1t -m 1k",
                "-b 64kibibytes -s 1tebi -m 5 -u mega", "-b 65536b -s 1099511627776b -m 3",
                "-u k -b 128 -s 2097152 -m 10", "-b 128 -u k -s 2097152 -m 10", "-b 64k -s 1t -m 5s",
                "-b 64k -s 1t -m 5b", "-b 64k -s 1t -m 1 -u k -u m", "-b 64k -s 1t -m 1 -- -u m",
                "-b 64k -s 1t -m 1 extra", "-b 64k -s 1t -m 1 -", "-b 64k -s 1t -m 99999999999999999999999",
                "-b 64k -s 1t -m 1 -n foo", "-b1s -s2s -m1", "-b 1g -s 16e -m 7", "-b 64k -s 1y -m 1",
                "-b 64k -s 1Z -m 1 -u Y", "-b 064k -s 0001t -m 010",
                "--block=64k --pool=1t --max=3", "--block-size=64k --pool-size=1t --max-thins=1 --unit=m --numeric-only=short",
                "--block-size 64k --pool-size 1t --max-thins 2 --unit t --numeric-only=long", "--nu -b 64k -s 1t -m 1",
                // errors, in the tool's order
                "", "-b 48k -s 1t -m 1", "-b 64k -s 32k -m 1", "-b 64k -s 64k -m 1", "-s 1t -m 1", "-b 64k -m 1",
                "-b 64k -s 1t", "-b 64x -s 1t -m 1", "-b 64k -s 1t -m 1 -u x", "-b 64k -s 1t -m 1 -n -n",
                "-b 64k -b 64k -s 1t -m 1", "-b 0 -b 64k -s 1t -m 1", "-b 100b -s 1t -m 1", "-b 64k -s 1t -m 1 -x",
                "-b", "--bogus", "--numeric-only= -b 64k -s 1t -m 1", "-b 64k -s 1t -m 1 -n1", "-b 1.5k -s 1t -m 1",
                "-b 64k -s 1t -m 0", "-b 64k -s 1t -m 1 -u mebibytesx", "-b 64K -s 1T -m 1", "-b +64k -s 1t -m 1",
                "-b 64k -s 1t -m 1 --unit", "-b 64k -s 1t --max-thins", "--help=3", "--=x -b 64k", "-nh",
                "-b 64k -s 1t -m 1 -u", "-b 64k -x -b 3",
                // help and version
                "-h", "--help", "-V", "--version", "-b 64k -s 1t -m 1 --ver", "-hV", "-b 48k -h"));
        for (String u : MetadataSize.UNIT_CHARS.split("")) {
            lines.add("-b 64k -s 1t -m 1000 -u " + u);
            lines.add("-b 1" + u + " -s 1t -m 1000");
            lines.add("-b 64k -s 3" + u + " -m 1000 -n");
        }
        SplittableRandom rnd = new SplittableRandom(7);
        String units = MetadataSize.UNIT_CHARS;
        for (int i = 0; i < 120; i++) {
            String b = (1L << rnd.nextInt(12)) + (rnd.nextBoolean() ? "" : "" + units.charAt(rnd.nextInt(6)));
            String s = (1 + rnd.nextLong(100_000)) + (rnd.nextBoolean() ? "" : "" + units.charAt(rnd.nextInt(12)));
            String m = (1 + rnd.nextInt(5000)) + (rnd.nextInt(4) == 0 ? "" + units.charAt(rnd.nextInt(4)) : "");
            String u = rnd.nextBoolean() ? "" : " -u " + units.charAt(rnd.nextInt(units.length()));
            String[] n = {"", " -n", " -nshort", " -nlong"};
            lines.add("-b " + b + " -s " + s + " -m " + m + u + n[rnd.nextInt(n.length)]);
        }
        return lines.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("commandLines")
    void sameOutputAsThinMetadataSize(String commandLine) {
        List<String> args = commandLine.isEmpty() ? List.of() : Arrays.asList(commandLine.split(" "));
        ThinTools.requireVersion090();
        ThinTools.Result real = ThinTools.run("thin_metadata_size", args);
        MetadataSizeCommandLine.Outcome ours = MetadataSizeCommandLine.run(
                ThinTools.find("thin_metadata_size").toString(), "0.9.0", args);
        assertEquals(real.stdout(), ours.stdout(), "stdout of " + commandLine);
        assertEquals(real.stderr(), ours.stderr(), "stderr of " + commandLine);
        assertEquals(real.exitCode(), ours.exitCode(), "exit code of " + commandLine);
    }

    @Test
    void emptyUnitArgumentMeansBytes() {
        ThinTools.Result real = ThinTools.run("thin_metadata_size", List.of("-b", "64k", "-s", "1t", "-m", "1", "-u", ""));
        MetadataSizeCommandLine.Outcome ours = MetadataSizeCommandLine.run("thin_metadata_size", "0.9.0",
                List.of("-b", "64k", "-s", "1t", "-m", "1", "-u", ""));
        assertEquals(real.stdout(), ours.stdout());
        assertEquals("thin_metadata_size - 545398784 bytes estimated metadata area size for"
                + " \"--block-size=64kibibytes --pool-size=1tebibytes --max-thins=1\"\n", ours.stdout());
    }
}
