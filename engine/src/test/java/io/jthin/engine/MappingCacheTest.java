package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MappingCacheTest {
    @Test
    void aPutIsFoundUnderItsGenerationOnly() {
        MappingCache c = new MappingCache();
        assertEquals(MappingCache.MISS, c.get(1, 10, 0), "empty");
        c.put(1, 10, 777, 5);
        assertEquals(777, c.get(1, 10, 5));
        assertEquals(MappingCache.MISS, c.get(1, 10, 6), "another generation: the mapping may have changed");
        assertEquals(MappingCache.MISS, c.get(2, 10, 5), "another device");
        assertEquals(MappingCache.MISS, c.get(1, 11, 5), "another block");
    }

    @Test
    void onlyAWritersPutSaysTheBlockIsTheDevicesOwn() {
        MappingCache c = new MappingCache();
        c.put(1, 10, 777, 5);
        assertEquals(MappingCache.MISS, c.getExclusive(1, 10, 5), "a read's lookup does not know about sharing");
        c.putExclusive(1, 10, 777, 5);
        assertEquals(777, c.getExclusive(1, 10, 5));
        assertEquals(777, c.get(1, 10, 5), "reads use it too");
        assertEquals(MappingCache.MISS, c.getExclusive(1, 10, 6), "another generation: a snapshot may share it now");
        c.put(1, 10, 777, 5);
        assertEquals(MappingCache.MISS, c.getExclusive(1, 10, 5), "a read's put replaced what the writer knew");
    }

    @Test
    void unmappedIsAnAnswerToo() {
        MappingCache c = new MappingCache();
        c.put(3, 4, -1, 0);
        assertEquals(-1, c.get(3, 4, 0));
    }

    @Test
    void aCollidingPutReplacesTheSlot() {
        MappingCache c = new MappingCache();
        c.put(1, 0, 100, 0);
        c.put(1, MappingCache.SLOTS, 200, 0); // same slot: direct-mapped
        assertEquals(MappingCache.MISS, c.get(1, 0, 0));
        assertEquals(200, c.get(1, MappingCache.SLOTS, 0));
        for (long b = 0; b < MappingCache.SLOTS; b++) {
            c.put(7, b, b + 1, 0);
        }
        for (long b = 0; b < MappingCache.SLOTS; b++) {
            assertEquals(b + 1, c.get(7, b, 0), "a device's consecutive blocks take distinct slots");
        }
    }
}
