package lucid.app.cli;

import java.io.PrintStream;

/** Where a command writes: results to {@code out}, progress, timings and errors to {@code err}. */
public record CliContext(PrintStream out, PrintStream err) {
}
