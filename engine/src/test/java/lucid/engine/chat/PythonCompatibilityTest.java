package lucid.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The Python-isms Hugging Face templates use and plain Jinjava lacks or gets wrong, each with the
 * output Python's Jinja2 (as transformers sets it up) gives.
 */
class PythonCompatibilityTest {

    static String render(String template, Map<String, Object> extra) {
        ChatTemplate t = ChatTemplates.compile("t", template, "<s>", "</s>",
                Clock.fixed(Instant.parse("2024-02-05T08:09:10Z"), ZoneOffset.UTC));
        return t.render(new ChatRequest(List.of(ChatMessage.user(" Hello World ")), false, List.of(), List.of(), extra));
    }

    static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void stringMethods() {
        assertEquals("[Hello World][Hello World ][ Hello World]",
                render("{% set c = messages[0].content %}[{{ c.strip() }}][{{ c.lstrip() }}][{{ c.rstrip() }}]"));
        assertEquals("[x][ay][a]", render("[{{ '\\n\\nx\\n'.strip('\\n') }}][{{ 'xxay'.lstrip('x') }}][{{ 'ayyx'.rstrip('xy') }}]"));
        assertEquals("truefalsetrue", render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('x') }}{{ 'abc'.endswith(['x', 'c']) }}"));
        assertEquals("ABC|abc|Hello World|Hello world|aYa",
                render("{{ 'aBc'.upper() }}|{{ 'aBc'.lower() }}|{{ 'hello world'.title() }}|{{ 'hello WORLD'.capitalize() }}|{{ 'aXa'.replace('X', 'Y') }}"));
        assertEquals("a-b-c", render("{{ '-'.join(['a', 'b', 'c']) }}"));
    }

    @Test
    void splitIsLiteralNotARegularExpression() {
        assertEquals("['a', 'b', 'c']|['x']|a|['', 'b']|['a', 'b c']",
                render("{{ 'a.b.c'.split('.') }}|{{ ' x '.split() }}|{{ 'r</think>a'.split('</think>')[-1] }}"
                        + "|{{ '.b'.split('.') }}|{{ 'a b c'.split(' ', 1) }}"));
    }

    @Test
    void dictsNamespacesAndLoops() {
        assertEquals("a=1;b=2;|2|dflt|true", render("{% set d = {'a': 1, 'b': 2} %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"
                + "|{{ d.get('b') }}|{{ d.get('z', 'dflt') }}|{{ d is mapping }}"));
        assertEquals("found 2", render("{% set ns = namespace(found=false, n=0) %}{% for x in [1, 2, 3] %}"
                + "{% if x > 1 %}{% set ns.found = true %}{% set ns.n = ns.n + 1 %}{% endif %}{% endfor %}"
                + "{% if ns.found %}found {{ ns.n }}{% endif %}"));
        assertEquals("1,3", render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}"
                + "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% if x < 3 %},{% endif %}{% endfor %}"));
        assertEquals("[2, 3]|3|bc", render("{{ [1, 2, 3][1:] }}|{{ [1, 2, 3][-1] }}|{{ 'abc'[1:] }}"));
    }

    /**
     * {@code lstrip_blocks} drops spaces and tabs only between a line's start and a block tag or
     * comment, as Jinja does; mid-line spaces before a tag are text and stay.
     */
    @Test
    void lstripBlocksOnlyAtTheStartOfALine() {
        assertEquals("a b.", render("a {% if true %}b{% endif %}."));
        assertEquals("[1 2 ]", render("[{% for x in [1, 2] %}{{ x }} {% endfor %}]"));
        assertEquals("x\ny.", render("x\n  {% if true %}y{% endif %}."));
        assertEquals("y.", render(" \t {% if true %}y{% endif %}."));
        assertEquals("x\n  y.", render("x\n  {%+ if true %}y{% endif %}."));
        assertEquals("xy.", render("x\n  {%- if true %}y{% endif %}."));
        assertEquals("x\ny.", render("x\n  {# note #}\ny."));
    }

    /** {@code for ... else}: the else part runs when the loop ran no iteration, and only then. */
    @Test
    void forElseRunsOnlyForAnEmptyLoop() {
        assertEquals("12", render("{% for x in [1, 2] %}{{ x }}{% else %}none{% endfor %}"));
        assertEquals("none", render("{% for x in [] %}{{ x }}{% else %}none{% endfor %}"));
        assertEquals("none", render("{% for x in [1, 2] if x > 5 %}{{ x }}{% else %}none{% endfor %}"));
        assertEquals("2", render("{% for x in [1, 2] if x > 1 %}{{ x }}{% else %}none{% endfor %}"));
        // An if's else inside the loop is the if's; loops nest; whitespace control stays with its tag.
        assertEquals("a:no,b:yes|-", render("{% for x in ['a', 'b'] %}{% if x == 'b' %}{{ x }}:yes{% else %}{{ x }}:no,"
                + "{% endif %}{% else %}none{% endfor %}|{% for y in [] %}{% for z in [1] %}{{ z }}{% else %}inner"
                + "{% endfor %}{% else %}-{% endfor %}"));
        assertEquals("[none]", render("[\n{%- for x in [] -%}\n{{ x }}\n{%- else -%}\n none \n{%- endfor -%}\n]"));
        assertEquals("3", render("{% for x in [3] %}{% for y in [] %}{% else %}{{ x }}{% endfor %}{% endfor %}"));
    }

    /** {@code for x in seq if cond}: only the kept items are looped over and counted. */
    @Test
    void loopFiltersKeepOnlyMatchingItems() {
        assertEquals("3/1/3;4/2/3;5/3/3!;", render("{% for x in [1, 2, 3, 4, 5] if x > 2 %}{{ x }}/{{ loop.index }}/"
                + "{{ loop.length }}{% if loop.last %}!{% endif %};{% endfor %}"));
        assertEquals("0:user,1:assistant,2:user", render("{% for m in turns if m.role != 'system' %}{{ loop.index0 }}:"
                + "{{ m.role }}{% if not loop.last %},{% endif %}{% endfor %}",
                Map.of("turns", List.of(Map.of("role", "system"), Map.of("role", "user"), Map.of("role", "assistant"),
                        Map.of("role", "user")))));
        assertEquals("b=2", render("{% for k, v in {'a': 1, 'b': 2}.items() if v > 1 %}{{ k }}={{ v }}{% endfor %}"));
        assertEquals("ac", render("{% for x in ['a', 'b', 'c'] if not x == 'b' %}{{ x }}{% endfor %}"));
        assertEquals("x", render("{% for x in ['it\\'s', 'x'] if x != 'it\\'s' %}{{ x }}{% endfor %}"));
        assertEquals("23", render("{%- for x in [1, 2, 3] if x > 1 -%} {{ x }} {%- endfor %}"));
        assertEquals("3", render("{% set limit = 2 %}{% for x in [1, 2, 3] if x > limit %}{{ x }}{% endfor %}"));
        assertEquals("3", render("{% for x in [1, 2, 3][1:] if x is odd %}{{ x }}{% endfor %}"));
        assertEquals("[]", render("{% for x in [1, 2] if x > 5 %}{{ x }}{% endfor %}[]"));
    }

    @Test
    void typeTestsAnswerAsPythonDoes() {
        assertEquals("true true true false true", render("{{ 'x' is string }} {{ 'x' is iterable }} {{ [1] is iterable }}"
                + " {{ 1 is iterable }} {{ {'a': 1} is mapping }}"));
    }

    @Test
    void tojsonSpacesLikePythonJsonDumps() {
        assertEquals("{\"a\": [1, \"x\", null, true], \"b\": {}, \"c\": \"ü\\n\"}",
                render("{{ {'a': [1, 'x', none, true], 'b': {}, 'c': 'ü\\n'} | tojson }}"));
        assertEquals("{\n    \"a\": [\n        1,\n        {\n            \"b\": 2.5\n        }\n    ],\n    \"e\": []\n}",
                render("{{ {'a': [1, {'b': 2.5}], 'e': []} | tojson(indent=4) }}"));
    }

    @Test
    void trimFilterAndToolVariables() {
        assertEquals("Hello World|none", render("{{ messages[0].content | trim }}|{{ 'none' if tools is none else 'some' }}"));
        ChatTemplate t = ChatTemplates.compile("t", "{{ tools[0].function.name }}", "", "", Clock.systemUTC());
        assertEquals("get_time", t.render(new ChatRequest(List.of(), false,
                List.of(Map.of("function", Map.of("name", "get_time"))), List.of(), Map.of())));
    }

    @Test
    void notBindsLooserThanTestsAndComparisonsAsInPython() {
        assertEquals("true|true|false|true|yes|false", render("{% set d = {'a': 1, 'b': [1]} %}{{ not d is none }}|{{ not d.z is defined }}"
                + "|{{ not 'a' in d }}|{{ not d.b|length == 2 }}|{% if d.a == 1 and not d.b is none %}yes{% endif %}"
                + "|{{ 'x' not in 'xyz' }}"));
        // Strings, comments and text keep their "not".
        assertEquals("not x {# not #}", render("{{ 'not x' }} {{ '{# not #}' }}"));
    }

    @Test
    void reversedSliceWalksBackwards() {
        assertEquals("3,2,1,", render("{% for x in [1, 2, 3][::-1] %}{{ x }},{% endfor %}"));
    }

    @Test
    void llama32PutsToolsIntoTheFirstUserMessage() {
        ChatTemplate llama = RealTemplatesTest.template("llama-3.2-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", Map.of("name", "now"));
        String prompt = llama.render(new ChatRequest(List.of(ChatMessage.user("Time?")), true, List.of(tool), List.of(), Map.of()));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 07 Mar 2025\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON "
                + "for a function call with its proper arguments that best answers the given prompt.\n\n"
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}."
                + "Do not use variables.\n\n{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"now\"\n    }\n}\n\n"
                + "Time?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
    }

    @Test
    void extraVariablesReachTheTemplate() {
        assertEquals("thinking off", render("{% if enable_thinking is defined and enable_thinking is false %}thinking off{% endif %}",
                Map.of("enable_thinking", false)));
    }

    @Test
    void strftimeNowUsesTheTemplatesClock() {
        assertEquals("05 Feb 2024|February 5, 2024|2024-02-05 08:09:10|Mon 08AM|036",
                render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %-d, %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}"
                        + "|{{ strftime_now('%a %I%p') }}|{{ strftime_now('%j') }}"));
        assertEquals("yes", render("{% if strftime_now is defined %}yes{% endif %}"));
    }

    @Test
    void generationTagRendersItsBody() {
        assertEquals("<a>Hello World</a>", render("<a>{% generation %}{{ messages[0].content | trim }}{% endgeneration %}</a>"));
    }
}
