package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizeParserTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"0, 0", "4096, 4096", "64k, 65536", "64K, 65536", "64KiB, 65536", "64kb, 65536", "2G, 2147483648",
        "100g, 107374182400", "1t, 1099511627776", "1p, 1125899906842624", "7b, 7", "' 3m ', 3145728",
        "8191p, 9222246136947933184"})
    void parsesBinaryUnits(String text, long bytes) {
        assertEquals(bytes, SizeParser.parse("size", text));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @ValueSource(strings = {"10X", "", " ", "-5", "k", "1.5G", "0x10", "12kk", "1e6", "99999999999999999999", "8192p"})
    void refusesWithOneLineNamingTheValue(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SizeParser.parse("--size", text));
        assertTrue(e.getMessage().startsWith("--size: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void multiplesAndFormatting() {
        assertEquals(131072, SizeParser.parseMultipleOf("b", "128k", 65536));
        assertThrows(IllegalArgumentException.class, () -> SizeParser.parseMultipleOf("b", "100k", 65536));
        assertEquals("0 B", SizeParser.format(0));
        assertEquals("1023 B", SizeParser.format(1023));
        assertEquals("64 KiB", SizeParser.format(65536));
        assertEquals("1.5 GiB", SizeParser.format(3L << 29));
        assertEquals("100 GiB", SizeParser.format(100L << 30));
        assertEquals("65.54kB", DockerUnits.humanSize(65536));
        assertEquals("107.4GB", DockerUnits.humanSize(100L << 30));
        assertEquals("0B", DockerUnits.humanSize(0));
        assertEquals("2.147GB", DockerUnits.humanSize(2L << 30));
    }
}
