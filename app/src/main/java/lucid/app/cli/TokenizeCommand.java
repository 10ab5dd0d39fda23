package lucid.app.cli;

import java.util.List;

import lucid.engine.gguf.GgufFile;
import lucid.engine.tokenizer.Tokenizer;

/** {@code lucid tokenize}: text to token ids, with the model's own tokenizer (vocabulary-only files work too). */
final class TokenizeCommand implements Command {

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "split text into the model's tokens";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, Option.required("text", "TEXT", "text to tokenize"),
                Option.flag("add-special", "add BOS/EOS as the model does (llama_tokenize add_special)"),
                Option.flag("parse-special", "match special tokens written in the text (parse_special)"),
                CommonOptions.JSON);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        try (GgufFile file = GgufFile.open(args.existingFile("model"))) {
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            CommonOptions.warnAbout(tokenizer, ctx.err());
            int[] ids = tokenizer.encode(args.string("text", ""), args.flag("add-special"), args.flag("parse-special"));
            if (args.flag("json")) {
                Json json = new Json().beginObject().name("ids").array(ids).name("pieces").beginArray();
                for (int id : ids) {
                    json.value(CommonOptions.pieceText(tokenizer.tokenPiece(id, true)));
                }
                ctx.out().println(json.endArray().endObject());
            } else {
                for (int id : ids) {
                    ctx.out().printf("%6d  %s%n", id, quoted(CommonOptions.pieceText(tokenizer.tokenPiece(id, true))));
                }
            }
        }
        return Cli.EXIT_OK;
    }

    private static String quoted(String piece) {
        return "'" + piece.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }
}
