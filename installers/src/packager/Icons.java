import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The app icon in each host's format, made from the PNGs that ui-resources ships
 * (lucid/icons/lucid-N.png, drawn by ui-resources/src/icon/LucidIcon.java): Linux takes the
 * 512 px PNG, Windows an .ico and macOS an .icns, both of which simply hold PNGs.
 */
record Icons(Map<Integer, byte[]> pngs, Path dir) {

    private static final String PREFIX = "lucid/icons/lucid-";

    static Icons fromJars(Path modules, Path dir) throws IOException {
        Map<Integer, byte[]> pngs = new TreeMap<>();
        try (Stream<Path> jars = Files.list(modules)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    for (ZipEntry e : zip.stream().toList()) {
                        String name = e.getName();
                        if (name.startsWith(PREFIX) && name.endsWith(".png")) {
                            int size = Integer.parseInt(name.substring(PREFIX.length(), name.length() - 4));
                            try (InputStream in = zip.getInputStream(e)) {
                                pngs.put(size, checkedPng(in.readAllBytes(), size, name));
                            }
                        }
                    }
                }
            }
        }
        for (int size : new int[] {16, 32, 48, 256, 512}) {
            if (!pngs.containsKey(size)) {
                throw new Packager.PackagingException("the app icon " + PREFIX + size + ".png is missing from the"
                        + " jars in " + modules + " (found sizes " + pngs.keySet() + ")");
            }
        }
        Files.createDirectories(dir);
        return new Icons(pngs, dir);
    }

    /** Reads width and height from the IHDR chunk: a wrong size would be scaled blurry by the desktop. */
    private static byte[] checkedPng(byte[] png, int size, String name) {
        ByteBuffer b = ByteBuffer.wrap(png);
        boolean signature = png.length > 24 && b.getLong(0) == 0x89504E470D0A1A0AL
                && b.getInt(12) == 0x49484452;  // "IHDR"
        if (!signature || b.getInt(16) != size || b.getInt(20) != size) {
            throw new Packager.PackagingException(name + " is not a " + size + "x" + size + " PNG");
        }
        return png;
    }

    Path forHost(Host host) throws IOException {
        if (host.isWindows()) {
            return write("Lucid.ico", ico());
        }
        if (host.isMac()) {
            return write("Lucid.icns", icns());
        }
        return write("Lucid.png", pngs.get(512));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    /**
     * ICO layout (little-endian): reserved 0, type 1 (icon), image count; one 16-byte entry per image
     * (width, height with 0 meaning 256, colour count 0, reserved, planes 1, bits per pixel 32, data
     * size, data offset); then the images, here PNG-compressed, which Windows reads since Vista.
     */
    byte[] ico() {
        Map<Integer, byte[]> images = new TreeMap<>(pngs);
        images.keySet().removeIf(size -> size > 256);
        ByteBuffer out = ByteBuffer.allocate(6 + 16 * images.size()
                + images.values().stream().mapToInt(p -> p.length).sum()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) 0).putShort((short) 1).putShort((short) images.size());
        int offset = 6 + 16 * images.size();
        for (var e : images.entrySet()) {
            int size = e.getKey();
            out.put((byte) (size == 256 ? 0 : size)).put((byte) (size == 256 ? 0 : size));
            out.put((byte) 0).put((byte) 0).putShort((short) 1).putShort((short) 32);
            out.putInt(e.getValue().length).putInt(offset);
            offset += e.getValue().length;
        }
        images.values().forEach(out::put);
        return out.array();
    }

    /**
     * ICNS layout (big-endian): "icns", total length; then per image an OSType naming its size and
     * scale, the element length (8 + data) and PNG data. ic11..ic14 are the Retina (@2x) variants.
     */
    byte[] icns() {
        Map<String, Integer> types = new java.util.LinkedHashMap<>();
        types.put("icp4", 16);
        types.put("icp5", 32);
        types.put("icp6", 64);
        types.put("ic07", 128);
        types.put("ic08", 256);
        types.put("ic09", 512);
        types.put("ic11", 32);
        types.put("ic12", 64);
        types.put("ic13", 256);
        types.put("ic14", 512);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(body)) {
            for (var t : types.entrySet()) {
                byte[] png = pngs.get(t.getValue());
                if (png != null) {
                    d.write(t.getKey().getBytes(StandardCharsets.US_ASCII));
                    d.writeInt(8 + png.length);
                    d.write(png);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ByteBuffer out = ByteBuffer.allocate(8 + body.size());
        out.put("icns".getBytes(StandardCharsets.US_ASCII)).putInt(8 + body.size()).put(body.toByteArray());
        return out.array();
    }
}
