package lucid.engine.chat.jinja;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import jinjava.javax.el.CompositeELResolver;

/**
 * Jinjava set up as Hugging Face's chat-template environment: {@code trim_blocks} and
 * {@code lstrip_blocks} on, loop controls, the globals {@code raise_exception} and
 * {@code strftime_now}, Python's {@code tojson}, {@code items} and {@code str} methods, the
 * {@code generation} tag, and no nested interpretation (a message that contains {@code {{ }}}
 * is text, never template code).
 *
 * <p>Errors Jinjava collects instead of throwing are turned into one {@link Failure}: the first
 * {@code raise_exception}, else the first fatal error with its line.
 */
public final class HfJinja {

    /** Output bigger than this is a runaway template, not a prompt (a 1M-token context is ~4 MB). */
    private static final long MAX_OUTPUT_CHARS = 64L * 1024 * 1024;

    private final Jinjava jinjava;

    /** How a render went wrong. {@code raised} is true for the template's own raise_exception. */
    public record Failure(String message, boolean raised) {
    }

    /** A render's outcome: the text, or the failure. */
    public sealed interface Outcome {
        record Rendered(String text) implements Outcome {
        }

        record Failed(Failure failure) implements Outcome {
        }
    }

    public HfJinja(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // done by PythonSyntax: Jinjava's strips mid-line too
                .withFailOnUnknownTokens(false)
                .withNestedInterpretationEnabled(false)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        var context = jinjava.getGlobalContext();
        context.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", Object.class));
        context.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        context.registerFilter(new PythonFilters.ToJson());
        context.registerFilter(new PythonFilters.Items());
        context.registerFunction(new ELFunctionDefinition("", LoopIf.NAME, LoopIf.class, "select", Object.class,
                String.class, String.class));
        context.registerTag(new GenerationTag());
        context.registerExpTest(new PythonTests.Iterable());
        context.registerExpTest(new PythonTests.Sequence());
        // Templates ask "strftime_now is defined" before calling it (Llama 3.2); Jinjava keeps
        // functions apart from variables, so each global function is also a variable.
        context.put("raise_exception", "<function raise_exception>");
        context.put("strftime_now", "<function strftime_now>");
    }

    /** Renders {@code source} with {@code variables} (JSON-like values: Map, List, String, Number, Boolean, null). */
    public Outcome render(String source, Map<String, Object> variables) {
        RenderResult result;
        try {
            result = jinjava.renderForResult(PythonSyntax.rewrite(source), variables);
        } catch (TemplateRaisedException e) {
            return new Outcome.Failed(new Failure(e.getMessage(), true));
        } catch (RuntimeException e) {
            TemplateRaisedException raised = raisedCause(e);
            if (raised != null) {
                return new Outcome.Failed(new Failure(raised.getMessage(), true));
            }
            return new Outcome.Failed(new Failure(describe(e), false));
        }
        Failure failure = firstFailure(result.getErrors());
        return failure == null ? new Outcome.Rendered(result.getOutput()) : new Outcome.Failed(failure);
    }

    /** Syntax problems of a template, without rendering it: empty when it parses. */
    public List<String> syntaxErrors(String source) {
        JinjavaInterpreter interpreter = jinjava.newInterpreter();
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            interpreter.parse(PythonSyntax.rewrite(source));
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        List<String> errors = new ArrayList<>();
        for (TemplateError e : interpreter.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                errors.add(lineOf(e) + e.getMessage());
            }
        }
        return errors;
    }

    private static Failure firstFailure(List<TemplateError> errors) {
        Failure firstFatal = null;
        for (TemplateError e : errors) {
            TemplateRaisedException raised = raisedCause(e.getException());
            if (raised != null) {
                return new Failure(raised.getMessage(), true);
            }
            if (firstFatal == null && e.getSeverity() == TemplateError.ErrorType.FATAL) {
                firstFatal = new Failure(lineOf(e) + e.getMessage(), false);
            }
        }
        return firstFatal;
    }

    private static String lineOf(TemplateError e) {
        return e.getLineno() > 0 ? "line " + e.getLineno() + ": " : "";
    }

    private static TemplateRaisedException raisedCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TemplateRaisedException r) {
                return r;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    private static String describe(Throwable t) {
        String msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }
}
