package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** dmsetup's exact status formats (dm-thin-format §7.4) and message strings (§7.3). */
class StatusAndMessageTest {

    @Test
    void poolStatusLineMatchesTheKernelsFormat() {
        // The fixture pool of the format doc: 16 MiB metadata (4096 blocks), 12 allocated → 421 reported.
        long total = 4096;
        long used = PoolStatus.reportedUsedMetadata(total, total - 12);
        assertEquals(421, used, "the metadata reserve (min(4096, total/10)) is reported as used");
        PoolStatus s = new PoolStatus(2, used, total, 21, 1024, 0, PoolMode.WRITE, true, false, false,
                PoolStatus.metadataLowWatermark(total));
        assertEquals("2 421/4096 21/1024 - rw discard_passdown queue_if_no_space - 1024 ", s.toString());
        PoolStatus t = new PoolStatus(9, 500, 4096, 1024, 1024, 17, PoolMode.OUT_OF_DATA_SPACE, false, true, true, 1024);
        assertEquals("9 500/4096 1024/1024 17 out_of_data_space no_discard_passdown error_if_no_space needs_check 1024 ",
                t.toString());
        assertEquals("Fail", new PoolStatus(0, 0, 1, 0, 1, 0, PoolMode.FAIL, true, false, false, 0).toString());
        assertEquals("ro", PoolMode.OUT_OF_METADATA_SPACE.statusWord());
        assertEquals("ro", PoolMode.READ_ONLY.statusWord());
        assertEquals(10, PoolStatus.metadataLowWatermark(40), "low watermark is min(1024, total/4)");
    }

    @Test
    void thinStatusLine() {
        assertEquals("2176 12927", ThinStatus.of(17, 100, 128).toString(), "17 blocks mapped, highest vblock 100");
        assertEquals("0 -", ThinStatus.of(0, -1, 128).toString());
        assertEquals("Fail", new ThinStatus(0, -1, true).toString());
    }

    @Test
    void messagesParseAsDmsetupWritesThem() {
        assertEquals(new PoolMessage.CreateThin(1), PoolMessage.parse("create_thin 1"));
        assertEquals(new PoolMessage.CreateSnap(5, 3), PoolMessage.parse("create_snap 5 3"));
        assertEquals(new PoolMessage.Delete(16777215), PoolMessage.parse("delete 16777215"));
        assertEquals(new PoolMessage.SetTransactionId(0, -1L),
                PoolMessage.parse("set_transaction_id 0 18446744073709551615"));
        assertEquals(new PoolMessage.ReserveMetadataSnap(), PoolMessage.parse("reserve_metadata_snap"));
        assertEquals(new PoolMessage.ReleaseMetadataSnap(), PoolMessage.parse("  release_metadata_snap "));
    }

    @Test
    void badMessagesSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolMessage.parse("create_thin 16777216"))
                .getMessage().contains("Invalid device id"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolMessage.parse("create_thin x"))
                .getMessage().contains("Invalid device id"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolMessage.parse("create_snap 1"))
                .getMessage().contains("takes 2 arguments, got 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolMessage.parse("trim 1"))
                .getMessage().contains("unsupported message 'trim'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolMessage.parse("set_transaction_id 1 -2"))
                .getMessage().contains("invalid new transaction id"));
    }
}
