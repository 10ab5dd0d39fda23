package lucid.app.workbench;

import java.util.List;
import java.util.Map;

/**
 * The starter prompts the workbench offers for the common prompting techniques, in English and
 * Chinese. Each is one chat variant with example values, so it renders at once.
 */
public final class StarterTemplates {

    /** A starter: its technique name (a message key suffix) and the document it starts. */
    public record Starter(String key, PromptVariant variant, Map<String, String> values) {
    }

    public static final List<String> KEYS = List.of("zero-shot", "few-shot", "chain-of-thought", "role-play",
            "summarize", "translate", "question-answering", "classification", "extraction");

    private StarterTemplates() {
    }

    /** The starters in the UI's language: Chinese for zh, English otherwise. */
    public static List<Starter> all(String language) {
        boolean zh = language != null && language.startsWith("zh");
        return KEYS.stream().map(k -> zh ? chinese(k) : english(k)).toList();
    }

    public static Starter of(String key, String language) {
        return all(language).stream().filter(s -> s.key().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no starter template " + key));
    }

    private static Starter english(String key) {
        return switch (key) {
            case "zero-shot" -> starter(key, "You are a helpful assistant.", List.of(), "{{task}}",
                    Map.of("task", "Write a haiku about autumn."));
            case "few-shot" -> starter(key, "Turn each word into its opposite.",
                    List.of(ex("hot", "cold"), ex("up", "down"), ex("early", "late")), "{{word}}",
                    Map.of("word", "happy"));
            case "chain-of-thought" -> starter(key, "You solve problems carefully.", List.of(),
                    "{{question}}\n\nLet's think step by step, then give the final answer on its own line "
                            + "starting with \"Answer:\".",
                    Map.of("question", "A shop sells pens at 3 for $2. How much do 12 pens cost?"));
            case "role-play" -> starter(key, "You are {{character}}. Stay in character and answer in their voice.",
                    List.of(), "{{line}}", Map.of("character", "a ship's captain from 1850", "line",
                            "What do you fear most at sea?"));
            case "summarize" -> starter(key, "You write short, faithful summaries.", List.of(),
                    "Summarize the text below in {{sentences}} sentences.\n\nText:\n{{text}}",
                    Map.of("sentences", "two", "text", "Paste the text to summarize here."));
            case "translate" -> starter(key, "You are a professional translator.", List.of(),
                    "Translate into {{language}}. Reply with the translation only.\n\n{{text}}",
                    Map.of("language", "French", "text", "The library opens at nine."));
            case "question-answering" -> starter(key,
                    "Answer only from the context. If the answer is not in it, say \"I don't know\".", List.of(),
                    "Context:\n{{context}}\n\nQuestion: {{question}}",
                    Map.of("context", "Lucid runs language models on your own computer.", "question",
                            "Where do the models run?"));
            case "classification" -> starter(key,
                    "Classify the sentiment of the review as positive, negative or neutral. Reply with one word.",
                    List.of(ex("I love it, works perfectly.", "positive"), ex("Broke after a day.", "negative")),
                    "{{review}}", Map.of("review", "It arrived on time."));
            case "extraction" -> starter(key, "Extract the fields as JSON with keys name, date and amount. "
                            + "Reply with JSON only.", List.of(),
                    "{{text}}", Map.of("text", "Invoice for Ada Lovelace, 3 March 2024, total 120 EUR."));
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static Starter chinese(String key) {
        return switch (key) {
            case "zero-shot" -> starter(key, "你是一个乐于助人的助手。", List.of(), "{{task}}",
                    Map.of("task", "写一首关于秋天的俳句。"));
            case "few-shot" -> starter(key, "写出每个词的反义词。",
                    List.of(ex("热", "冷"), ex("上", "下"), ex("早", "晚")), "{{word}}", Map.of("word", "高兴"));
            case "chain-of-thought" -> starter(key, "你会仔细地解决问题。", List.of(),
                    "{{question}}\n\n请一步一步地思考，最后单独一行以“答案：”开头给出最终答案。",
                    Map.of("question", "商店里 3 支笔卖 2 元，12 支笔要多少钱？"));
            case "role-play" -> starter(key, "你是{{character}}。请始终保持角色，用角色的口吻回答。", List.of(),
                    "{{line}}", Map.of("character", "一位 1850 年的船长", "line", "在海上你最害怕什么？"));
            case "summarize" -> starter(key, "你擅长写简短而忠实的摘要。", List.of(),
                    "用{{sentences}}句话概括下面的文字。\n\n文字：\n{{text}}",
                    Map.of("sentences", "两", "text", "在这里粘贴要概括的文字。"));
            case "translate" -> starter(key, "你是一名专业翻译。", List.of(),
                    "翻译成{{language}}，只回复译文。\n\n{{text}}",
                    Map.of("language", "英语", "text", "图书馆九点开门。"));
            case "question-answering" -> starter(key, "只根据上下文回答。如果上下文中没有答案，就说“我不知道”。",
                    List.of(), "上下文：\n{{context}}\n\n问题：{{question}}",
                    Map.of("context", "Lucid 在你自己的电脑上运行语言模型。", "question", "模型在哪里运行？"));
            case "classification" -> starter(key, "判断评论的情感：正面、负面或中性。只回复一个词。",
                    List.of(ex("非常喜欢，用起来完美。", "正面"), ex("用了一天就坏了。", "负面")),
                    "{{review}}", Map.of("review", "按时送到了。"));
            case "extraction" -> starter(key, "把字段提取为 JSON，键为 name、date 和 amount。只回复 JSON。", List.of(),
                    "{{text}}", Map.of("text", "发票：王小明，2024 年 3 月 3 日，合计 120 元。"));
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static PromptVariant.Example ex(String input, String output) {
        return new PromptVariant.Example(input, output);
    }

    private static Starter starter(String key, String system, List<PromptVariant.Example> examples, String user,
                                   Map<String, String> values) {
        return new Starter(key, new PromptVariant("p1", true, system, examples, user),
                new java.util.TreeMap<>(values));
    }
}
