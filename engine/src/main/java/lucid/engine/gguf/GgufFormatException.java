package lucid.engine.gguf;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not a valid GGUF file, or one this reader does not accept. The message names the file. */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public GgufFormatException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
