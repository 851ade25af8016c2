package io.jthin.engine.tools;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Test oracle glue: turns our {@code --json} dump and delta back into the XML 0.9.0 thin_dump and
 * thin_delta print (written here from dm-thin-format §8.1/§8.2, not with the printers under test),
 * so a JSON output can be compared with the real tools' output. Also checks the document is one
 * line ending in a newline.
 */
final class JsonAsThinXml {
    private JsonAsThinXml() {
    }

    private static JsonObject parseOneLine(String json) {
        if (!json.endsWith("\n") || json.indexOf('\n') != json.length() - 1) {
            throw new AssertionError("not one line ending in a newline: " + json);
        }
        return JsonParser.parseString(json).getAsJsonObject();
    }

    /** thin_dump's XML of a {@code dump --json} document. */
    static String dump(String json) {
        JsonObject doc = parseOneLine(json);
        JsonObject sb = doc.getAsJsonObject("superblock");
        StringBuilder x = new StringBuilder("<superblock");
        attrs(x, sb, "uuid", "time", "transaction", "flags", "version", "data_block_size", "nr_data_blocks");
        if (sb.has("metadata_snap")) {
            attrs(x, sb, "metadata_snap");
        }
        x.append(">\n");
        for (JsonElement e : doc.getAsJsonArray("devices")) {
            JsonObject d = e.getAsJsonObject();
            x.append("  <device");
            attrs(x, d, "dev_id", "mapped_blocks", "transaction", "creation_time", "snap_time");
            x.append(">\n");
            if (d.has("mappings")) {
                for (JsonElement m : d.getAsJsonArray("mappings")) {
                    JsonObject r = m.getAsJsonObject();
                    if (r.get("length").getAsLong() == 1) {
                        x.append("    <single_mapping origin_block=\"").append(r.get("origin_begin").getAsString())
                                .append("\" data_block=\"").append(r.get("data_begin").getAsString())
                                .append("\" time=\"").append(r.get("time").getAsString()).append("\"/>\n");
                    } else {
                        x.append("    <range_mapping");
                        attrs(x, r, "origin_begin", "data_begin", "length", "time");
                        x.append("/>\n");
                    }
                }
            }
            x.append("  </device>\n");
        }
        return x.append("</superblock>\n").toString();
    }

    /** thin_delta's XML (plain, or verbose with its groups) of a {@code delta --json} document. */
    static String delta(String json, boolean verbose) {
        JsonObject doc = parseOneLine(json);
        JsonObject sb = doc.getAsJsonObject("superblock");
        StringBuilder x = new StringBuilder("<superblock");
        attrs(x, sb, "uuid", "time", "transaction", "data_block_size", "nr_data_blocks");
        if (sb.has("metadata_snap")) {
            attrs(x, sb, "metadata_snap");
        }
        x.append(">\n");
        JsonObject diff = doc.getAsJsonObject("diff");
        x.append("  <diff");
        attrs(x, diff, "left", "right");
        x.append(">\n");
        String group = null;
        JsonArray ranges = diff.getAsJsonArray("ranges");
        for (JsonElement e : ranges) {
            JsonObject r = e.getAsJsonObject();
            String kind = r.get("kind").getAsString();
            if (!verbose) {
                x.append("    <").append(kind);
                attrs(x, r, "begin", "length");
                x.append("/>\n");
                continue;
            }
            if (!kind.equals(group)) {
                if (group != null) {
                    x.append("    </").append(group).append(">\n");
                }
                x.append("    <").append(kind).append(">\n");
                group = kind;
            }
            x.append("      <range");
            if (kind.equals("different")) {
                attrs(x, r, "begin", "left_data_begin", "right_data_begin", "length");
            } else {
                attrs(x, r, "begin", "data_begin", "length");
            }
            x.append("/>\n");
        }
        if (group != null) {
            x.append("    </").append(group).append(">\n");
        }
        return x.append("  </diff>\n</superblock>\n").toString();
    }

    private static void attrs(StringBuilder x, JsonObject o, String... names) {
        for (String n : names) {
            if (!o.has(n)) {
                throw new AssertionError("no " + n + " in " + o);
            }
            x.append(' ').append(n).append("=\"").append(o.get(n).getAsString()).append('"');
        }
    }
}
