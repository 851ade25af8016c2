package io.jthin.engine.cli;

import io.jthin.engine.tools.SizeParser;
import io.jthin.snapshot.PoolMetadata;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for the values jthin's options take; each refusal is one line saying why. */
final class Converters {
    private Converters() {
    }

    /** Bytes with an optional binary unit ({@link SizeParser}): 64k, 100G, 4096. */
    static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return SizeParser.parse("size", value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage().replaceFirst("^size: ", ""));
            }
        }
    }

    /** A thin device id: 0 … 2^24 − 1. */
    static final class DeviceId implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v;
            try {
                v = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a thin device id (0 … "
                        + PoolMetadata.MAX_DEVICE_ID + ")");
            }
            if (v < 0 || v > PoolMetadata.MAX_DEVICE_ID) {
                throw new TypeConversionException(value + " is not a thin device id: ids are 0 … "
                        + PoolMetadata.MAX_DEVICE_ID + " (24 bits)");
            }
            return v;
        }
    }
}
