package lucid.tests.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import lucid.app.chat.ChatEngine;
import lucid.app.chat.PromptFormat.Turn;
import lucid.app.chat.PromptFormats;
import lucid.app.chat.Role;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.GenerationEvent;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.LoadedModel;
import lucid.engine.sampling.SamplingParams;

/** Conversation → prompt → reply on the story model, with the KV cache reused across turns. */
class ChatEngineTest {

    @Test
    void followUpPrefillsOnlyTheNewTurnAndMatchesAFreshRun() throws Exception {
        try (Engine engine = Engine.create(2)) {
            LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"));
            try (ChatEngine chat = new ChatEngine(model, PromptFormats.forModel(model))) {
                assertEquals("plain", chat.format().name(), "stories260k has no chat template");
                SamplingParams greedy = SamplingParams.greedy().withMaxTokens(30);
                List<Turn> turns = new ArrayList<>(List.of(new Turn(Role.USER, "Once upon a time")));
                ChatEngine.Prompt p1 = chat.prompt(turns, 512, 30, false);
                GenerationResult r1 = chat.generate(p1.tokens(), greedy, 512, null);
                // shared/models/MODELS.md: llama.cpp's greedy continuation of this prompt.
                assertTrue(r1.text().startsWith(", there was a little girl named Lily."), r1.text());

                turns.add(new Turn(Role.ASSISTANT, r1.text()));
                turns.add(new Turn(Role.USER, "The end."));
                ChatEngine.Prompt p2 = chat.prompt(turns, 512, 30, false);
                int[] prefilled = {-1};
                GenerationResult r2 = chat.generate(p2.tokens(), greedy, 512, e -> {
                    if (e instanceof GenerationEvent.PromptProcessed p) {
                        prefilled[0] = p.tokens();
                    }
                });
                assertTrue(prefilled[0] > 0 && prefilled[0] < p2.tokens().length / 2,
                        "prefilled " + prefilled[0] + " of " + p2.tokens().length + " tokens: the cache was reused");

                try (ChatEngine fresh = new ChatEngine(engine.load(model.path()), PromptFormats.PLAIN)) {
                    GenerationResult expected = fresh.generate(p2.tokens(), greedy, 512, null);
                    assertEquals(expected.text(), r2.text(), "reusing the cache changes nothing in the reply");
                }
            }
        }
    }

    @Test
    void warmUpLeavesTheConversationAloneAndCancelStopsIt() throws Exception {
        try (Engine engine = Engine.create(2)) {
            LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"));
            try (ChatEngine chat = new ChatEngine(model, PromptFormats.forModel(model))) {
                SamplingParams greedy = SamplingParams.greedy().withMaxTokens(20);
                int[] prompt = chat.prompt(List.of(new Turn(Role.USER, "Once upon a time")), 512, 20, false).tokens();
                GenerationResult before = chat.generate(prompt, greedy, 512, null);
                assertTrue(chat.warmUp(), "ran to the end");
                int[] cachedFrom = {-1};
                GenerationResult after = chat.generate(prompt, greedy, 512, e -> {
                    if (e instanceof GenerationEvent.PromptProcessed p) {
                        cachedFrom[0] = p.tokens();
                    }
                });
                assertEquals(before.text(), after.text(), "the warm-up's throwaway session changed nothing");
                assertEquals(1, cachedFrom[0], "the conversation's cache survived the warm-up (only the last token again)");

                chat.cancel(); // as unloading the model does
                assertFalse(chat.warmUp(), "a cancelled warm-up does not run");
            }
        }
    }

    @Test
    void overflowIsReportedOrTruncatedOldestFirst() throws Exception {
        try (Engine engine = Engine.create(1);
             ChatEngine chat = new ChatEngine(engine.load(SharedFixtures.file("models/stories260k.gguf")),
                     PromptFormats.PLAIN)) {
            List<Turn> turns = new ArrayList<>();
            turns.add(new Turn(Role.SYSTEM, "Stories."));
            for (int i = 0; i < 20; i++) {
                turns.add(new Turn(i % 2 == 0 ? Role.USER : Role.ASSISTANT, "Lily went to the park and played. " + i));
            }
            ChatEngine.ContextOverflowException e = assertThrows(ChatEngine.ContextOverflowException.class,
                    () -> chat.prompt(turns, 64, 16, false));
            assertEquals(64, e.available());
            ChatEngine.Prompt cut = chat.prompt(turns, 64, 16, true);
            assertTrue(cut.dropped() > 0 && cut.tokens().length + 16 <= 64, "dropped " + cut.dropped());
            assertTrue(cut.systemTokens() > 0, "the system prompt is kept");
            String text = new String(model(chat).tokenizer().decodeBytes(cut.tokens(), true, false),
                    java.nio.charset.StandardCharsets.UTF_8).strip();
            assertTrue(text.startsWith("Stories.") && text.endsWith("19"), "oldest left out: " + text + " " + java.util.Arrays.toString(cut.tokens()));
        }
    }

    @Test
    void chatModelsAreWrittenWithTheEnginesChatTemplate() {
        var chatml = new PromptFormats.Templated(new lucid.engine.chat.ChatTemplateChoice(
                lucid.engine.chat.ChatTemplates.builtIn("chatml"), lucid.engine.chat.ChatTemplateChoice.Origin.BUILT_IN,
                java.util.Optional.of("test")));
        String text = chatml.render(List.of(new Turn(Role.SYSTEM, "Be brief."), new Turn(Role.USER, "Hi"),
                new Turn(Role.ASSISTANT, "Hello!"), new Turn(Role.USER, "Bye")), true);
        assertTrue(text.contains("<|im_start|>system\nBe brief.<|im_end|>"), text);
        assertTrue(text.contains("<|im_start|>assistant\nHello!<|im_end|>"), text);
        assertTrue(text.endsWith("<|im_start|>assistant\n"), text);
        assertEquals("chatml", chatml.name());
    }

    private static LoadedModel model(ChatEngine chat) {
        return chat.model();
    }
}
