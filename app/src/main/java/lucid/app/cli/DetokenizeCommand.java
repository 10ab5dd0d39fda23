package lucid.app.cli;

import java.util.List;

import lucid.engine.gguf.GgufFile;
import lucid.engine.tokenizer.Tokenizer;

/** {@code lucid detokenize}: token ids back to text. */
final class DetokenizeCommand implements Command {

    @Override
    public String name() {
        return "detokenize";
    }

    @Override
    public String summary() {
        return "turn token ids back into text";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, Option.required("ids", "\"1 2 3\"", "token ids, separated by spaces or commas"),
                Option.flag("remove-special", "drop a leading BOS and trailing EOS"),
                Option.flag("unparse-special", "render special tokens as their text"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        int[] ids = parseIds(args.string("ids", ""));
        try (GgufFile file = GgufFile.open(args.existingFile("model"))) {
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            CommonOptions.warnAbout(tokenizer, ctx.err());
            int vocab = tokenizer.vocabulary().size();
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new UsageException("token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
                }
            }
            ctx.out().println(tokenizer.decode(ids, args.flag("remove-special"), args.flag("unparse-special")));
        }
        return Cli.EXIT_OK;
    }

    static int[] parseIds(String text) {
        String trimmed = text.strip().replaceAll("^\\[|\\]$", "");
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        String[] parts = trimmed.split("[\\s,]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UsageException("'" + parts[i] + "' is not a token id");
            }
        }
        return ids;
    }
}
