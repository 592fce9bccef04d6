"""Plausible wrong answers to the Week 6 exercises (see tests/test_verdicts.py).

Each entry maps an answer cell's grade id to full replacement sources for that cell: what a
candidate writes under time pressure. Every one of them must make at least one of the exercise's
test cells fail. Most are small edits of the reference answer (``_variant``), so the bug is easy to see.
"""

from __future__ import annotations

from . import variant as _variant

_TOOL_SCHEMA = r'''def tool_schema(func):
    """The OpenAI tool definition of `func`: its name, its docstring's description, a JSON Schema of its parameters."""
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    union = type(int | None)  # types.UnionType: the type of `X | Y`

    def descriptions(doc):
        """{name: text} from the `name: text` lines of the docstring's Args: block."""
        found, inside = {}, False
        for line in doc.splitlines():
            if not inside:
                inside = line.strip() == "Args:"
            elif not line.strip() or not line[0].isspace():
                break
            else:
                name, colon, text = line.strip().partition(":")
                if colon and name.isidentifier():
                    found[name] = text.strip()
        return found

    def schema_of(hint, where):
        origin, args = get_origin(hint), get_args(hint)
        if hint in simple:
            return {"type": simple[hint]}
        if hint is dict:
            return {"type": "object"}
        if origin is list and len(args) == 1:
            return {"type": "array", "items": schema_of(args[0], where)}
        if origin is Literal and len({type(v) for v in args}) == 1 and type(args[0]) in simple:
            return {"type": simple[type(args[0])], "enum": list(args)}
        if origin in (typing.Union, union) and len(args) == 2 and type(None) in args:
            inner = args[0] if args[1] is type(None) else args[1]
            if inner in simple:
                return {"type": [simple[inner], "null"]}
        if isinstance(hint, type) and is_dataclass(hint):
            return object_schema(hint, where)
        raise TypeError(f"parameter {where!r}: unsupported type {hint!r}")

    def object_schema(target, where):
        hints = get_type_hints(target)
        notes = descriptions(inspect.getdoc(target) or "")
        properties, required = {}, []
        for name, param in inspect.signature(target).parameters.items():
            path = f"{where}.{name}" if where else name
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"parameter {path!r}: *args and **kwargs can't be tool arguments")
            if name not in hints:
                raise TypeError(f"parameter {path!r} has no type annotation")
            prop = schema_of(hints[name], path)
            if name in notes:
                prop["description"] = notes[name]
            if param.default is param.empty:
                required.append(name)
            else:
                prop["default"] = param.default
            properties[name] = prop
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    first_paragraph = []
    for line in (inspect.getdoc(func) or "").splitlines():
        if not line.strip():
            break
        first_paragraph.append(line.strip())
    return {"type": "function", "function": {"name": func.__name__, "description": " ".join(first_paragraph),
                                             "parameters": object_schema(func, "")}}'''

_VALIDATE_ARGUMENTS = r'''def validate_arguments(schema, arguments):
    """Errors a model can act on ("<path>: <problem>"), or [] when `arguments` fit the parameters `schema`."""
    def json_type(value):
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "number"
        for kind, name in ((str, "string"), (list, "array"), (dict, "object")):
            if isinstance(value, kind):
                return name
        return type(value).__name__

    def fits(value, kind):
        actual = json_type(value)
        return actual == kind or (kind == "number" and actual == "integer")

    def join(path, name):
        return f"{path}.{name}" if path else name

    def check_value(spec, value, path, errors):
        kinds = spec.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(fits(value, kind) for kind in kinds):
                errors.append(f"{path}: expected {' or '.join(kinds)}, got {json_type(value)} {value!r}")
                return
        if "enum" in spec and value not in spec["enum"]:
            errors.append(f"{path}: expected one of {', '.join(json.dumps(v) for v in spec['enum'])}, got {value!r}")
            return
        if isinstance(value, dict):
            properties = spec.get("properties", {})
            for name in spec.get("required", []):
                if name not in value:
                    errors.append(f"{join(path, name)}: missing required argument")
            for name, item in value.items():
                if name in properties:
                    check_value(properties[name], item, join(path, name), errors)
                elif spec.get("additionalProperties") is False:
                    errors.append(f"{join(path, name)}: unknown argument; known: {', '.join(properties)}")
        if isinstance(value, list) and "items" in spec:
            for i, item in enumerate(value):
                check_value(spec["items"], item, f"{path}[{i}]", errors)

    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError as error:
            return [f"arguments: not valid JSON ({error})"]
    if not isinstance(arguments, dict):
        return [f"arguments: expected a JSON object, got {json_type(arguments)}"]
    errors = []
    check_value(schema, arguments, "", errors)
    return errors'''

_PARSE_TOOL_CALL = r'''def parse_tool_call(text, tool_names):
    """(name, args) when the whole stripped text is `TOOL:<name> ARGS:<json object>` for a known tool, else None."""
    match = re.fullmatch(r"TOOL:(\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)
    if match is None or match.group(1) not in tool_names:
        return None
    try:
        args = json.loads(match.group(2))
    except ValueError:
        return None
    if not isinstance(args, dict):
        return None
    return match.group(1), args'''

_RUN_TEXT_AGENT = r'''def run_text_agent(model, question, tools, max_steps=3):
    """ReAct over text: ask the model, run the tool it names, append the observation; stop at an answer or max_steps."""
    transcript, steps = question, []
    for _ in range(max_steps):
        reply = model(transcript).strip()
        action = parse_tool_call(reply, tools)
        if action is None:
            return {"answer": reply, "steps": steps}
        name, args = action
        try:
            observation = json.dumps(tools[name](**args))
        except Exception as error:
            observation = f"error: {type(error).__name__}: {error}"
        steps.append({"tool": name, "args": args, "observation": observation})
        transcript += f"\n{reply}\nObservation: {observation}"
    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}'''

_RUN_AGENT = r'''def run_agent(client, messages, tools, registry, max_steps=6, max_tokens=None, allowed=None):
    """Call the model and run its tool calls until it answers, within step and token budgets.

    Returns {"answer", "messages", "trace", "stopped"}; tool failures become {"error": ...} results, never exceptions.
    """
    def run_call(name, raw):
        """(the arguments as the trace shows them, the result) of one tool call."""
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            args = None
        shown = args if isinstance(args, dict) else raw
        if name not in registry:
            return shown, {"error": f"unknown tool {name!r}: the tools are {', '.join(sorted(registry))}"}
        if allowed is not None and name not in allowed:
            return shown, {"error": f"tool {name!r} is not allowed for this task"}
        if not isinstance(args, dict):
            return shown, {"error": f"the arguments of {name} must be a JSON object, got {raw!r}"}
        for attempt in range(3):
            try:
                return shown, registry[name](**args)
            except TransientToolError as error:
                if attempt == 2:
                    return shown, {"error": f"{type(error).__name__}: {error}"}
            except Exception as error:
                return shown, {"error": f"{type(error).__name__}: {error}"}

    messages = list(messages)
    trace, used = [], 0
    for step in range(1, max_steps + 1):
        reply = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
        message = reply.choices[0].message
        tokens = reply.usage.total_tokens
        used += tokens
        entry = {"step": step, "tool_calls": [], "tokens": tokens}
        trace.append(entry)
        if max_tokens is not None and used > max_tokens:
            return {"answer": f"Stopped: token budget of {max_tokens} exceeded.", "messages": messages,
                    "trace": trace, "stopped": "tokens"}
        if not message.tool_calls:
            messages.append({"role": "assistant", "content": message.content})
            return {"answer": message.content, "messages": messages, "trace": trace, "stopped": None}
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}
            for call in message.tool_calls]})
        for call in message.tool_calls:
            shown, result = run_call(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": result if isinstance(result, str) else json.dumps(result)})
            entry["tool_calls"].append({"name": call.function.name, "arguments": shown, "result": result})
    return {"answer": f"Stopped: {max_steps} model calls without a final answer.", "messages": messages,
            "trace": trace, "stopped": "steps"}'''

_CHOOSE_TRIP = r'''def choose_trip(flights_out, flights_back, hotels, budget):
    """The round trip within budget: best-rated hotel, then lowest total, then ids; None if nothing fits."""
    best = None
    for hotel in hotels:
        for out in flights_out:
            for back in flights_back:
                total = out["price"] + back["price"] + hotel["total"]
                if total > budget:
                    continue
                key = (-hotel["rating"], total, hotel["id"], out["id"], back["id"])
                if best is None or key < best[0]:
                    best = (key, {"outbound": out, "return": back, "hotel": hotel, "total": total})
    return None if best is None else best[1]'''

_DOCS_AGENT = r'''def docs_agent(question, search, client, k=3):
    """Answer from the docs through a search_docs tool: {"answer", "citations", "sources"}."""
    last_hits = []

    def search_docs(query):
        hits = search(query, k)
        last_hits[:] = hits
        if not hits:
            return "No results."
        return "\n".join(f"[{i}] {hit.chunk.page}#{hit.chunk.anchor}: {' '.join(hit.chunk.text.split())}"
                         for i, hit in enumerate(hits, start=1))

    messages = [{"role": "system", "content": DOCS_SYSTEM}, {"role": "user", "content": question}]
    answer = run_agent(client, messages, [SEARCH_DOCS_TOOL], {"search_docs": search_docs})["answer"]
    citations = []
    for number in re.findall(r"\[(\d+)\]", answer):
        n = int(number)
        if 1 <= n <= len(last_hits) and n not in citations:
            citations.append(n)
    sources = [f"{last_hits[n - 1].chunk.page}#{last_hits[n - 1].chunk.anchor}" for n in citations]
    return {"answer": answer, "citations": citations, "sources": sources}'''

_TRAJECTORY_MATCH = r'''def trajectory_match(actual, expected, mode="strict", args="exact"):
    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""
    if mode not in ("strict", "unordered", "subset"):
        raise ValueError(f"unknown mode {mode!r}: use 'strict', 'unordered' or 'subset'")
    if args not in ("exact", "ignore", "subset"):
        raise ValueError(f"unknown args {args!r}: use 'exact', 'ignore' or 'subset'")

    def same(got, want):
        (got_name, got_args), (want_name, want_args) = got, want
        if got_name != want_name:
            return False
        if args == "exact":
            return got_args == want_args
        if args == "subset":
            return all(key in got_args and got_args[key] == value for key, value in want_args.items())
        return True

    if mode == "strict":
        return len(actual) == len(expected) and all(same(g, w) for g, w in zip(actual, expected))
    if mode == "unordered" and len(actual) != len(expected):
        return False
    partner = {}  # index of an actual call -> index of the expected call it is paired with

    def place(e, tried):
        """Pair expected call e with a free matching actual call, moving earlier pairs if needed."""
        for a, got in enumerate(actual):
            if a not in tried and same(got, expected[e]):
                tried.add(a)
                if a not in partner or place(partner[a], tried):
                    partner[a] = e
                    return True
        return False

    return all(place(e, set()) for e in range(len(expected)))'''

_TOOL_CALL_ACCURACY = r'''def tool_call_accuracy(cases, predict):
    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""
    per_case, tools = [], 0
    for case in cases:
        made = [(name, args) for name, args in predict(case["question"])]
        expected = [(name, args) for name, args in case["expected"]]
        per_case.append(made == expected)
        tools += sorted(name for name, _ in made) == sorted(name for name, _ in expected)
    if not cases:
        return {"exact": 0.0, "tools": 0.0, "per_case": []}
    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}'''

_GUARD_TOOL_OUTPUT = r'''def guard_tool_output(text):
    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""
    orders = re.compile(r"\b(?:ignore|disregard|forget|pretend|instructions?|you\s+must|you\s+are\s+now)\b|\bsystem:",
                        re.IGNORECASE)
    call = re.compile(r"\bcall\b", re.IGNORECASE)
    tool_name = re.compile(r"\w*_\w*")
    parts = re.split(r"((?<=[.!?])\s+|\n)", text)   # sentences at even positions, what separates them at odd
    flagged = False
    for i in range(0, len(parts), 2):
        sentence = parts[i]
        if orders.search(sentence) or (call.search(sentence) and tool_name.search(sentence)):
            parts[i] = "[removed: instruction]"
            flagged = True
    return "".join(parts), flagged'''

_WITH_APPROVAL = r'''def with_approval(registry, destructive, approve, audit):
    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""
    def gated(name, tool):
        def run(**args):
            decision = approve(name, dict(args))
            if decision == "approve":
                kind, used = "approve", args
            elif isinstance(decision, (tuple, list)) and len(decision) == 2 and decision[0] == "edit":
                kind, used = "edit", decision[1]
            else:
                kind, used = "deny", None
            audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})
            if used is None:
                return {"error": "denied by the user"}
            return tool(**used)
        return run

    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}'''

WRONG_ANSWERS: dict[str, list[str]] = {
    'tool_schema': [
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('        if not line.strip():\n            break\n        first_paragraph.append(line.strip())', '        if line.strip():\n            first_paragraph.append(line.strip())'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('            if param.default is param.empty:\n                required.append(name)\n            else:', '            required.append(name)\n            if param.default is not param.empty:'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('                prop["default"] = param.default', '                pass'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('                return {"type": [simple[inner], "null"]}', '                return {"type": simple[inner]}'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('        origin, args = get_origin(hint), get_args(hint)', '        origin, args = get_origin(hint), get_args(hint)\n        if isinstance(hint, type) and issubclass(hint, int):\n            return {"type": "integer"}'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('            return object_schema(hint, where)', '            return object_schema(hint, where)\n        if hint is Any:\n            return {}'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('        hints = get_type_hints(target)', '        hints = {n: p.annotation for n, p in inspect.signature(target).parameters.items()\n                 if p.annotation is not p.empty}'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('            return {"type": simple[type(args[0])], "enum": list(args)}', '            return {"enum": list(args)}'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}', '        schema = {"type": "object", "properties": properties, "required": required}\n        if not where:\n            schema["additionalProperties"] = False\n        return schema'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        r'''
def tool_schema(func):
    """The OpenAI tool definition of `func`: its name, its docstring's description, a JSON Schema of its parameters."""
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    union = type(int | None)  # types.UnionType: the type of `X | Y`

    def descriptions(doc):
        """{name: text} from the `name: text` lines of the docstring's Args: block."""
        found, inside = {}, False
        for line in doc.splitlines():
            if not inside:
                inside = line.strip() == "Args:"
            else:
                name, colon, text = line.strip().partition(":")
                if colon and name.isidentifier():
                    found[name] = text.strip()
        return found

    def schema_of(hint, where):
        origin, args = get_origin(hint), get_args(hint)
        if hint in simple:
            return {"type": simple[hint]}
        if hint is dict:
            return {"type": "object"}
        if origin is list and len(args) == 1:
            return {"type": "array", "items": schema_of(args[0], where)}
        if origin is Literal and len({type(v) for v in args}) == 1 and type(args[0]) in simple:
            return {"type": simple[type(args[0])], "enum": list(args)}
        if origin in (typing.Union, union) and len(args) == 2 and type(None) in args:
            inner = args[0] if args[1] is type(None) else args[1]
            if inner in simple:
                return {"type": [simple[inner], "null"]}
        if isinstance(hint, type) and is_dataclass(hint):
            return object_schema(hint, where)
        raise TypeError(f"parameter {where!r}: unsupported type {hint!r}")

    def object_schema(target, where):
        hints = get_type_hints(target)
        notes = descriptions(inspect.getdoc(target) or "")
        properties, required = {}, []
        for name, param in inspect.signature(target).parameters.items():
            path = f"{where}.{name}" if where else name
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"parameter {path!r}: *args and **kwargs can't be tool arguments")
            if name not in hints:
                raise TypeError(f"parameter {path!r} has no type annotation")
            prop = schema_of(hints[name], path)
            if name in notes:
                prop["description"] = notes[name]
            if param.default is param.empty:
                required.append(name)
            else:
                prop["default"] = param.default
            properties[name] = prop
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    first_paragraph = []
    for line in (inspect.getdoc(func) or "").splitlines():
        if not line.strip():
            break
        first_paragraph.append(line.strip())
    return {"type": "function", "function": {"name": func.__name__, "description": " ".join(first_paragraph),
                                             "parameters": object_schema(func, "")}}
''',
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('        raise TypeError(f"parameter {where!r}: unsupported type {hint!r}")', '        raise TypeError(f"unsupported type {hint!r}")'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('        if origin is Literal and len({type(v) for v in args}) == 1 and type(args[0]) in simple:', '        if origin is Literal and type(args[0]) in simple:'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
        _variant(_TOOL_SCHEMA, ('def tool_schema(func):', '\ndef tool_schema(func):'), ('                    found[name] = text.strip()', '                    found[name] = line.strip()'), ('                                             "parameters": object_schema(func, "")}}', '                                             "parameters": object_schema(func, "")}}\n')),
    ],
    'validate_arguments': [
        # a required key holding null reported missing, its type never checked
        _variant(_VALIDATE_ARGUMENTS,
                 ("                if name not in value:\n", "                if value.get(name) is None:\n"),
                 ("                if name in properties:\n", "                if name in properties and not (item is None and name in spec.get(\"required\", [])):\n")),
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('        return actual == kind or (kind == "number" and actual == "integer")', '        return actual == kind or (kind == "number" and actual == "integer") or (kind in ("integer", "number") and isinstance(value, int))'), ('    return errors', '    return errors\n')),
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('        return actual == kind or (kind == "number" and actual == "integer")', '        return actual == kind'), ('    return errors', '    return errors\n')),
        r'''
def validate_arguments(schema, arguments):
    """Errors a model can act on ("<path>: <problem>"), or [] when `arguments` fit the parameters `schema`."""
    def json_type(value):
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "number"
        for kind, name in ((str, "string"), (list, "array"), (dict, "object")):
            if isinstance(value, kind):
                return name
        return type(value).__name__

    def fits(value, kind):
        actual = json_type(value)
        return actual == kind or (kind == "number" and actual == "integer")

    def join(path, name):
        return f"{path}.{name}" if path else name

    def check_value(spec, value, path, errors):
        kinds = spec.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(fits(value, kind) for kind in kinds):
                errors.append(f"{path}: expected {' or '.join(kinds)}, got {json_type(value)} {value!r}")
                return
        if "enum" in spec and value not in spec["enum"]:
            errors.append(f"{path}: expected one of {', '.join(json.dumps(v) for v in spec['enum'])}, got {value!r}")
            return
        if isinstance(value, dict):
            properties = spec.get("properties", {})
            for name in spec.get("required", []):
                if name not in value:
                    errors.append(f"{join(path, name)}: missing required argument")
            for name, item in value.items():
                if name in properties:
                    check_value(properties[name], item, join(path, name), errors)
        if isinstance(value, list) and "items" in spec:
            for i, item in enumerate(value):
                check_value(spec["items"], item, f"{path}[{i}]", errors)

    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError as error:
            return [f"arguments: not valid JSON ({error})"]
    if not isinstance(arguments, dict):
        return [f"arguments: expected a JSON object, got {json_type(arguments)}"]
    errors = []
    check_value(schema, arguments, "", errors)
    return errors
''',
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('        return f"{path}.{name}" if path else name', '        return name'), ('    return errors', '    return errors\n')),
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('        if isinstance(value, dict):', '        if isinstance(value, dict) and not path:'), ('    return errors', '    return errors\n')),
        r'''
def validate_arguments(schema, arguments):
    """Errors a model can act on ("<path>: <problem>"), or [] when `arguments` fit the parameters `schema`."""
    def json_type(value):
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "number"
        for kind, name in ((str, "string"), (list, "array"), (dict, "object")):
            if isinstance(value, kind):
                return name
        return type(value).__name__

    def fits(value, kind):
        actual = json_type(value)
        return actual == kind or (kind == "number" and actual == "integer")

    def join(path, name):
        return f"{path}.{name}" if path else name

    def check_value(spec, value, path, errors):
        kinds = spec.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(fits(value, kind) for kind in kinds):
                errors.append(f"{path}: expected {' or '.join(kinds)}, got {json_type(value)} {value!r}")
                return
        if "enum" in spec and value not in spec["enum"]:
            errors.append(f"{path}: expected one of {', '.join(json.dumps(v) for v in spec['enum'])}, got {value!r}")
            return
        if isinstance(value, dict):
            properties = spec.get("properties", {})
            for name in spec.get("required", []):
                if name not in value:
                    errors.append(f"{join(path, name)}: missing required argument")
            for name, item in value.items():
                if name in properties:
                    check_value(properties[name], item, join(path, name), errors)
                elif spec.get("additionalProperties") is False:
                    errors.append(f"{join(path, name)}: unknown argument; known: {', '.join(properties)}")
        if isinstance(value, list) and "items" in spec:
            for i, item in enumerate(value):
                check_value(spec["items"], item, f"{path}[{i}]", errors)

    if not isinstance(arguments, dict):
        return [f"arguments: expected a JSON object, got {json_type(arguments)}"]
    errors = []
    check_value(schema, arguments, "", errors)
    return errors
''',
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('        try:\n            arguments = json.loads(arguments)\n        except ValueError as error:\n            return [f"arguments: not valid JSON ({error})"]', '        arguments = json.loads(arguments)'), ('    return errors', '    return errors\n')),
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('            kinds = kinds if isinstance(kinds, list) else [kinds]', '            kinds = kinds[:1] if isinstance(kinds, list) else [kinds]'), ('    return errors', '    return errors\n')),
        r'''
def validate_arguments(schema, arguments):
    """Errors a model can act on ("<path>: <problem>"), or [] when `arguments` fit the parameters `schema`."""
    def json_type(value):
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "number"
        for kind, name in ((str, "string"), (list, "array"), (dict, "object")):
            if isinstance(value, kind):
                return name
        return type(value).__name__

    def fits(value, kind):
        actual = json_type(value)
        return actual == kind or (kind == "number" and actual == "integer")

    def join(path, name):
        return f"{path}.{name}" if path else name

    def check_value(spec, value, path, errors):
        kinds = spec.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(fits(value, kind) for kind in kinds):
                errors.append(f"{path}: expected {' or '.join(kinds)}, got {json_type(value)} {value!r}")
                return
        if isinstance(value, dict):
            properties = spec.get("properties", {})
            for name in spec.get("required", []):
                if name not in value:
                    errors.append(f"{join(path, name)}: missing required argument")
            for name, item in value.items():
                if name in properties:
                    check_value(properties[name], item, join(path, name), errors)
                elif spec.get("additionalProperties") is False:
                    errors.append(f"{join(path, name)}: unknown argument; known: {', '.join(properties)}")
        if isinstance(value, list) and "items" in spec:
            for i, item in enumerate(value):
                check_value(spec["items"], item, f"{path}[{i}]", errors)

    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError as error:
            return [f"arguments: not valid JSON ({error})"]
    if not isinstance(arguments, dict):
        return [f"arguments: expected a JSON object, got {json_type(arguments)}"]
    errors = []
    check_value(schema, arguments, "", errors)
    return errors
''',
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('                errors.append(f"{path}: expected {\' or \'.join(kinds)}, got {json_type(value)} {value!r}")\n                return', '                errors.append(f"{path}: expected {\' or \'.join(kinds)}, got {json_type(value)} {value!r}")'), ('    return errors', '    return errors\n')),
        r'''
def validate_arguments(schema, arguments):
    """Errors a model can act on ("<path>: <problem>"), or [] when `arguments` fit the parameters `schema`."""
    def json_type(value):
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "integer"
        if isinstance(value, float):
            return "number"
        for kind, name in ((str, "string"), (list, "array"), (dict, "object")):
            if isinstance(value, kind):
                return name
        return type(value).__name__

    def fits(value, kind):
        actual = json_type(value)
        return actual == kind or (kind == "number" and actual == "integer")

    def join(path, name):
        return f"{path}.{name}" if path else name

    def check_value(spec, value, path, errors):
        kinds = spec.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(fits(value, kind) for kind in kinds):
                errors.append(f"{path}: expected {' or '.join(kinds)}, got {json_type(value)} {value!r}")
                return
        if "enum" in spec and value not in spec["enum"]:
            errors.append(f"{path}: expected one of {', '.join(json.dumps(v) for v in spec['enum'])}, got {value!r}")
            return
        if isinstance(value, dict):
            properties = spec.get("properties", {})
            for name in spec.get("required", []):
                if name not in value:
                    errors.append(f"{join(path, name)}: missing required argument")
            for name, item in value.items():
                if name in properties:
                    check_value(properties[name], item, join(path, name), errors)
                elif spec.get("additionalProperties") is False:
                    errors.append(f"{join(path, name)}: unknown argument; known: {', '.join(properties)}")

    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError as error:
            return [f"arguments: not valid JSON ({error})"]
    if not isinstance(arguments, dict):
        return [f"arguments: expected a JSON object, got {json_type(arguments)}"]
    errors = []
    check_value(schema, arguments, "", errors)
    return errors
''',
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('                elif spec.get("additionalProperties") is False:', '                elif spec.get("additionalProperties", False) is False:'), ('    return errors', '    return errors\n')),
        _variant(_VALIDATE_ARGUMENTS, ('def validate_arguments(schema, arguments):', '\ndef validate_arguments(schema, arguments):'), ('                check_value(spec["items"], item, f"{path}[{i}]", errors)', '                check_value(spec["items"], item, path, errors)'), ('    return errors', '    return errors\n')),
    ],
    'parse_tool_call': [
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)', '    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL | re.IGNORECASE)'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)', '    match = re.search(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    if not isinstance(args, dict):', '    if not isinstance(args, (dict, list)):'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    if match is None or match.group(1) not in tool_names:', '    if match is None:'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    return match.group(1), args', '    return [match.group(1), args]\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)', '    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text, flags=re.DOTALL)'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    try:\n        args = json.loads(match.group(2))\n    except ValueError:\n        return None', '    args = json.loads(match.group(2))'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('        args = json.loads(match.group(2))', '        args = json.JSONDecoder().raw_decode(match.group(2).strip())[0]'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)', '    match = re.fullmatch(r"TOOL:\\s*(\\w+)\\s+ARGS:(.*)", text.strip(), flags=re.DOTALL)'), ('    return match.group(1), args', '    return match.group(1), args\n')),
        _variant(_PARSE_TOOL_CALL, ('def parse_tool_call(text, tool_names):', '\ndef parse_tool_call(text, tool_names):'), ('    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(.*)", text.strip(), flags=re.DOTALL)', '    match = re.fullmatch(r"TOOL:(\\w+) ARGS:(\\S.*)", text.strip(), flags=re.DOTALL)'), ('    return match.group(1), args', '    return match.group(1), args\n')),
    ],
    'run_text_agent': [
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('    for _ in range(max_steps):', '    for _ in range(max_steps + 1):'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('        try:\n            observation = json.dumps(tools[name](**args))\n        except Exception as error:\n            observation = f"error: {type(error).__name__}: {error}"', '        observation = json.dumps(tools[name](**args))'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('            observation = json.dumps(tools[name](**args))', '            observation = str(tools[name](**args))'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('            observation = f"error: {type(error).__name__}: {error}"', '            observation = f"error: {error}"'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('        reply = model(transcript).strip()', '        raw = model(transcript)\n        reply = raw.strip()'), ('            return {"answer": reply, "steps": steps}', '            return {"answer": raw, "steps": steps}'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": "Stopped after 3 steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('        transcript += f"\\n{reply}\\nObservation: {observation}"', '        transcript = f"{question}\\n{reply}\\nObservation: {observation}"'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('        steps.append({"tool": name, "args": args, "observation": observation})', '        else:\n            steps.append({"tool": name, "args": args, "observation": observation})'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('        reply = model(transcript).strip()', '        raw = model(transcript)\n        reply = raw.strip()'), ('            return {"answer": reply, "steps": steps}', '            return {"answer": reply, "steps": steps}\n        reply = raw'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
        _variant(_RUN_TEXT_AGENT, ('def run_text_agent(model, question, tools, max_steps=3):', '\ndef run_text_agent(model, question, tools, max_steps=3):'), ('        transcript += f"\\n{reply}\\nObservation: {observation}"', '        transcript += f"\\n{reply}\\n{observation}"'), ('    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}', '    return {"answer": f"Stopped after {max_steps} steps without an answer.", "steps": steps}\n')),
    ],
    'run_agent': [
        # JSON that is not an object (a list, a string) parsed into the trace instead of the raw text
        _variant(_RUN_AGENT, ("        shown = args if isinstance(args, dict) else raw", "        shown = raw if args is None else args")),
        _variant(_RUN_AGENT, ('    for step in range(1, max_steps + 1):', '    for step in range(1, max_steps + 2):')),
        _variant(_RUN_AGENT, ('    for step in range(1, max_steps + 1):', '    for step in range(1, max_steps):')),
        r'''def run_agent(client, messages, tools, registry, max_steps=6, max_tokens=None, allowed=None):
    """Call the model and run its tool calls until it answers, within step and token budgets.

    Returns {"answer", "messages", "trace", "stopped"}; tool failures become {"error": ...} results, never exceptions.
    """
    def run_call(name, raw):
        """(the arguments as the trace shows them, the result) of one tool call."""
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            args = None
        shown = args if isinstance(args, dict) else raw
        if name not in registry:
            return shown, {"error": f"unknown tool {name!r}: the tools are {', '.join(sorted(registry))}"}
        if allowed is not None and name not in allowed:
            return shown, {"error": f"tool {name!r} is not allowed for this task"}
        if not isinstance(args, dict):
            return shown, {"error": f"the arguments of {name} must be a JSON object, got {raw!r}"}
        for attempt in range(3):
            try:
                return shown, registry[name](**args)
            except TransientToolError as error:
                if attempt == 2:
                    return shown, {"error": f"{type(error).__name__}: {error}"}
            except Exception as error:
                return shown, {"error": f"{type(error).__name__}: {error}"}

    messages = list(messages)
    trace, used = [], 0
    for step in range(1, max_steps + 1):
        reply = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
        message = reply.choices[0].message
        tokens = reply.usage.total_tokens
        used += tokens
        entry = {"step": step, "tool_calls": [], "tokens": tokens}
        trace.append(entry)
        if not message.tool_calls:
            messages.append({"role": "assistant", "content": message.content})
            return {"answer": message.content, "messages": messages, "trace": trace, "stopped": None}
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}
            for call in message.tool_calls]})
        for call in message.tool_calls:
            shown, result = run_call(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": result if isinstance(result, str) else json.dumps(result)})
            entry["tool_calls"].append({"name": call.function.name, "arguments": shown, "result": result})
        if max_tokens is not None and used > max_tokens:
            return {"answer": f"Stopped: token budget of {max_tokens} exceeded.", "messages": messages,
                    "trace": trace, "stopped": "tokens"}
    return {"answer": f"Stopped: {max_steps} model calls without a final answer.", "messages": messages,
            "trace": trace, "stopped": "steps"}''',
        _variant(_RUN_AGENT, ('        if max_tokens is not None and used > max_tokens:', '        if max_tokens is not None and used >= max_tokens:')),
        _variant(_RUN_AGENT, ('        tokens = reply.usage.total_tokens', '        tokens = reply.usage.completion_tokens')),
        _variant(_RUN_AGENT, ('            except TransientToolError as error:', '            except Exception as error:')),
        _variant(_RUN_AGENT, ('        for attempt in range(3):', '        for attempt in range(4):'), ('                if attempt == 2:', '                if attempt == 3:')),
        _variant(_RUN_AGENT, ('                    return shown, {"error": f"{type(error).__name__}: {error}"}', '                    raise')),
        _variant(_RUN_AGENT, ('        for call in message.tool_calls:', '        for call in reversed(message.tool_calls):')),
        _variant(_RUN_AGENT, ('    messages = list(messages)', '    messages = messages')),
        r'''def run_agent(client, messages, tools, registry, max_steps=6, max_tokens=None, allowed=None):
    """Call the model and run its tool calls until it answers, within step and token budgets.

    Returns {"answer", "messages", "trace", "stopped"}; tool failures become {"error": ...} results, never exceptions.
    """
    def run_call(name, raw):
        """(the arguments as the trace shows them, the result) of one tool call."""
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            args = None
        shown = args if isinstance(args, dict) else raw
        if name not in registry:
            return shown, {"error": f"unknown tool {name!r}: the tools are {', '.join(sorted(registry))}"}
        if not isinstance(args, dict):
            return shown, {"error": f"the arguments of {name} must be a JSON object, got {raw!r}"}
        for attempt in range(3):
            try:
                return shown, registry[name](**args)
            except TransientToolError as error:
                if attempt == 2:
                    return shown, {"error": f"{type(error).__name__}: {error}"}
            except Exception as error:
                return shown, {"error": f"{type(error).__name__}: {error}"}

    messages = list(messages)
    trace, used = [], 0
    for step in range(1, max_steps + 1):
        reply = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
        message = reply.choices[0].message
        tokens = reply.usage.total_tokens
        used += tokens
        entry = {"step": step, "tool_calls": [], "tokens": tokens}
        trace.append(entry)
        if max_tokens is not None and used > max_tokens:
            return {"answer": f"Stopped: token budget of {max_tokens} exceeded.", "messages": messages,
                    "trace": trace, "stopped": "tokens"}
        if not message.tool_calls:
            messages.append({"role": "assistant", "content": message.content})
            return {"answer": message.content, "messages": messages, "trace": trace, "stopped": None}
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}
            for call in message.tool_calls]})
        for call in message.tool_calls:
            shown, result = run_call(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": result if isinstance(result, str) else json.dumps(result)})
            entry["tool_calls"].append({"name": call.function.name, "arguments": shown, "result": result})
    return {"answer": f"Stopped: {max_steps} model calls without a final answer.", "messages": messages,
            "trace": trace, "stopped": "steps"}''',
        r'''def run_agent(client, messages, tools, registry, max_steps=6, max_tokens=None, allowed=None):
    """Call the model and run its tool calls until it answers, within step and token budgets.

    Returns {"answer", "messages", "trace", "stopped"}; tool failures become {"error": ...} results, never exceptions.
    """
    def run_call(name, raw):
        """(the arguments as the trace shows them, the result) of one tool call."""
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            args = None
        shown = args if isinstance(args, dict) else raw
        if name not in registry:
            return shown, {"error": f"unknown tool {name!r}: the tools are {', '.join(sorted(registry))}"}
        if allowed is not None and name not in allowed:
            return shown, {"error": f"tool {name!r} is not allowed for this task"}
        if not isinstance(args, dict):
            return shown, {"error": f"the arguments of {name} must be a JSON object, got {raw!r}"}
        for attempt in range(3):
            try:
                return shown, registry[name](**args)
            except TransientToolError as error:
                if attempt == 2:
                    return shown, {"error": f"{type(error).__name__}: {error}"}

    messages = list(messages)
    trace, used = [], 0
    for step in range(1, max_steps + 1):
        reply = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
        message = reply.choices[0].message
        tokens = reply.usage.total_tokens
        used += tokens
        entry = {"step": step, "tool_calls": [], "tokens": tokens}
        trace.append(entry)
        if max_tokens is not None and used > max_tokens:
            return {"answer": f"Stopped: token budget of {max_tokens} exceeded.", "messages": messages,
                    "trace": trace, "stopped": "tokens"}
        if not message.tool_calls:
            messages.append({"role": "assistant", "content": message.content})
            return {"answer": message.content, "messages": messages, "trace": trace, "stopped": None}
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}
            for call in message.tool_calls]})
        for call in message.tool_calls:
            shown, result = run_call(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": result if isinstance(result, str) else json.dumps(result)})
            entry["tool_calls"].append({"name": call.function.name, "arguments": shown, "result": result})
    return {"answer": f"Stopped: {max_steps} model calls without a final answer.", "messages": messages,
            "trace": trace, "stopped": "steps"}''',
        _variant(_RUN_AGENT, ('            except Exception as error:\n                return shown, {"error": f"{type(error).__name__}: {error}"}', '            except Exception as error:\n                return shown, {"error": str(error)}')),
        _variant(_RUN_AGENT, ('                             "content": result if isinstance(result, str) else json.dumps(result)})', '                             "content": str(result)})')),
        _variant(_RUN_AGENT, ('        entry = {"step": step, "tool_calls": [], "tokens": tokens}', '        entry = {"step": step - 1, "tool_calls": [], "tokens": tokens}')),
        _variant(_RUN_AGENT, ('        try:\n            args = json.loads(raw)\n        except json.JSONDecodeError:\n            args = None', '        args = json.loads(raw)')),
        _variant(_RUN_AGENT, ('             "function": {"name": call.function.name, "arguments": call.function.arguments}}', '             "function": {"name": call.function.name, "arguments": json.dumps(json.loads(call.function.arguments))}}')),
        r'''def run_agent(client, messages, tools, registry, max_steps=6, max_tokens=None, allowed=None):
    """Call the model and run its tool calls until it answers, within step and token budgets.

    Returns {"answer", "messages", "trace", "stopped"}; tool failures become {"error": ...} results, never exceptions.
    """
    def run_call(name, raw):
        """(the arguments as the trace shows them, the result) of one tool call."""
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            args = None
        shown = args if isinstance(args, dict) else raw
        if name not in registry:
            return shown, {"error": f"unknown tool {name!r}: the tools are {', '.join(sorted(registry))}"}
        if allowed is not None and name not in allowed:
            return shown, {"error": f"tool {name!r} is not allowed for this task"}
        if not isinstance(args, dict):
            return shown, {"error": f"the arguments of {name} must be a JSON object, got {raw!r}"}
        for attempt in range(3):
            try:
                return shown, registry[name](**args)
            except TransientToolError as error:
                if attempt == 2:
                    return shown, {"error": f"{type(error).__name__}: {error}"}
            except Exception as error:
                return shown, {"error": f"{type(error).__name__}: {error}"}

    messages = list(messages)
    trace, used = [], 0
    for step in range(1, max_steps + 1):
        reply = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
        message = reply.choices[0].message
        tokens = reply.usage.total_tokens
        used += tokens
        entry = {"step": step, "tool_calls": [], "tokens": tokens}
        trace.append(entry)
        if max_tokens is not None and used > max_tokens:
            return {"answer": f"Stopped: token budget of {max_tokens} exceeded.", "messages": messages,
                    "trace": trace, "stopped": "tokens"}
        if not message.tool_calls:
            return {"answer": message.content, "messages": messages, "trace": trace, "stopped": None}
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": call.function.name, "arguments": call.function.arguments}}
            for call in message.tool_calls]})
        for call in message.tool_calls:
            shown, result = run_call(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": result if isinstance(result, str) else json.dumps(result)})
            entry["tool_calls"].append({"name": call.function.name, "arguments": shown, "result": result})
    return {"answer": f"Stopped: {max_steps} model calls without a final answer.", "messages": messages,
            "trace": trace, "stopped": "steps"}''',
    ],
    'choose_trip': [
        _variant(_CHOOSE_TRIP, ('                key = (-hotel["rating"], total, hotel["id"], out["id"], back["id"])', '                key = (total, -hotel["rating"], hotel["id"], out["id"], back["id"])')),
        _variant(_CHOOSE_TRIP, ('                if total > budget:', '                if total >= budget:')),
        _variant(_CHOOSE_TRIP, ('        for out in flights_out:\n            for back in flights_back:', '        for out in flights_out[:1]:\n            for back in flights_back[:1]:')),
        _variant(_CHOOSE_TRIP, ('                key = (-hotel["rating"], total, hotel["id"], out["id"], back["id"])', '                key = (-hotel["rating"], total)')),
        _variant(_CHOOSE_TRIP, ('    for hotel in hotels:', '    for hotel in sorted(hotels, key=lambda h: -h["rating"])[:1]:')),
        _variant(_CHOOSE_TRIP, ('                total = out["price"] + back["price"] + hotel["total"]', '                total = out["price"] + back["price"] + hotel["price_per_night"]')),
        _variant(_CHOOSE_TRIP, ('    best = None', '    best = None\n    hotels.sort(key=lambda h: (-h["rating"], h["id"]))')),
        _variant(_CHOOSE_TRIP, ('    return None if best is None else best[1]', '    return {} if best is None else best[1]')),
    ],
    'docs_agent': [
        _variant(_DOCS_AGENT, ('            citations.append(n)', '            citations.append(n)\n    citations.sort()')),
        _variant(_DOCS_AGENT, ('        if 1 <= n <= len(last_hits) and n not in citations:', '        if n >= 1 and n not in citations:'), ('    sources = [f"{last_hits[n - 1].chunk.page}#{last_hits[n - 1].chunk.anchor}" for n in citations]', '    sources = [f"{last_hits[n - 1].chunk.page}#{last_hits[n - 1].chunk.anchor}" for n in citations if n <= len(last_hits)]')),
        _variant(_DOCS_AGENT, ('        if 1 <= n <= len(last_hits) and n not in citations:', '        if 1 <= n <= k and n not in citations:')),
        _variant(_DOCS_AGENT, ('        if 1 <= n <= len(last_hits) and n not in citations:', '        if 1 <= n <= len(last_hits):')),
        _variant(_DOCS_AGENT, ('                         for i, hit in enumerate(hits, start=1))', '                         for i, hit in enumerate(hits))')),
        _variant(_DOCS_AGENT, ('        return "\\n".join(f"[{i}] {hit.chunk.page}#{hit.chunk.anchor}: {\' \'.join(hit.chunk.text.split())}"', '        return "\\n".join(f"[{i}] {hit.chunk.page}#{hit.chunk.anchor}: {hit.chunk.text}"')),
        _variant(_DOCS_AGENT, ('        last_hits[:] = hits', '        last_hits.extend(hits)')),
        _variant(_DOCS_AGENT, ('        hits = search(query, k)', '        hits = search(query)')),
        _variant(_DOCS_AGENT, ('        hits = search(query, k)', '        hits = search(question, k)')),
        r'''def docs_agent(question, search, client, k=3):
    """Answer from the docs through a search_docs tool: {"answer", "citations", "sources"}."""
    last_hits = []

    def search_docs(query):
        hits = search(query, k)
        last_hits[:] = hits
        return "\n".join(f"[{i}] {hit.chunk.page}#{hit.chunk.anchor}: {' '.join(hit.chunk.text.split())}"
                         for i, hit in enumerate(hits, start=1))

    messages = [{"role": "system", "content": DOCS_SYSTEM}, {"role": "user", "content": question}]
    answer = run_agent(client, messages, [SEARCH_DOCS_TOOL], {"search_docs": search_docs})["answer"]
    citations = []
    for number in re.findall(r"\[(\d+)\]", answer):
        n = int(number)
        if 1 <= n <= len(last_hits) and n not in citations:
            citations.append(n)
    sources = [f"{last_hits[n - 1].chunk.page}#{last_hits[n - 1].chunk.anchor}" for n in citations]
    return {"answer": answer, "citations": citations, "sources": sources}''',
        _variant(_DOCS_AGENT, ('        if 1 <= n <= len(last_hits) and n not in citations:', '        if 0 <= n <= len(last_hits) and n not in citations:')),
    ],
    'trajectory_match': [
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('    if mode == "strict":\n        return len(actual) == len(expected) and all(same(g, w) for g, w in zip(actual, expected))\n    if mode == "unordered" and len(actual) != len(expected):', '    if mode in ("strict", "unordered") and len(actual) != len(expected):'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('        return len(actual) == len(expected) and all(same(g, w) for g, w in zip(actual, expected))', '        return all(same(g, w) for g, w in zip(actual, expected))'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('    if mode == "unordered" and len(actual) != len(expected):\n        return False', '    if mode == "unordered":\n        return all(any(same(g, w) for g in actual) for w in expected) and all(any(same(g, w) for w in expected) for g in actual)'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('    if mode == "unordered" and len(actual) != len(expected):\n        return False', '    if mode == "unordered" and len(actual) != len(expected):\n        return False\n    if mode == "subset":\n        return all(any(same(g, w) for g in actual) for w in expected)'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('    if mode == "unordered" and len(actual) != len(expected):\n        return False', '    if mode == "unordered" and len(actual) != len(expected):\n        return False\n    if mode == "subset":\n        actual, expected = expected, actual'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('            return all(key in got_args and got_args[key] == value for key, value in want_args.items())', '            return all(key in want_args and want_args[key] == value for key, value in got_args.items())'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('            return all(key in got_args and got_args[key] == value for key, value in want_args.items())', '            return all(got_args.get(key) == value for key, value in want_args.items())'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('        if args == "exact":', '        if args in ("exact", "ignore"):'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION'), ('    partner = {}  # index of an actual call -> index of the expected call it is paired with\n\n    def place(e, tried):\n        """Pair expected call e with a free matching actual call, moving earlier pairs if needed."""\n        for a, got in enumerate(actual):\n            if a not in tried and same(got, expected[e]):\n                tried.add(a)\n                if a not in partner or place(partner[a], tried):\n                    partner[a] = e\n                    return True\n        return False\n\n    return all(place(e, set()) for e in range(len(expected)))', '    used = set()\n    for want in expected:\n        free = next((a for a, got in enumerate(actual) if a not in used and same(got, want)), None)\n        if free is None:\n            return False\n        used.add(free)\n    return True\n    ### END SOLUTION')),
        r'''def trajectory_match(actual, expected, mode="strict", args="exact"):
    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""
    ### BEGIN SOLUTION
    if mode not in ("strict", "unordered", "subset"):
        raise ValueError(f"unknown mode {mode!r}: use 'strict', 'unordered' or 'subset'")

    def same(got, want):
        (got_name, got_args), (want_name, want_args) = got, want
        if got_name != want_name:
            return False
        if args == "exact":
            return got_args == want_args
        if args == "subset":
            return all(key in got_args and got_args[key] == value for key, value in want_args.items())
        return True

    if mode == "strict":
        return len(actual) == len(expected) and all(same(g, w) for g, w in zip(actual, expected))
    if mode == "unordered" and len(actual) != len(expected):
        return False
    partner = {}  # index of an actual call -> index of the expected call it is paired with

    def place(e, tried):
        """Pair expected call e with a free matching actual call, moving earlier pairs if needed."""
        for a, got in enumerate(actual):
            if a not in tried and same(got, expected[e]):
                tried.add(a)
                if a not in partner or place(partner[a], tried):
                    partner[a] = e
                    return True
        return False

    return all(place(e, set()) for e in range(len(expected)))
    ### END SOLUTION''',
        _variant(_TRAJECTORY_MATCH, ('    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""', '    """True when the calls `actual` match the `expected` calls under `mode` (order) and `args` (arguments)."""\n    ### BEGIN SOLUTION\n    if not actual and not expected:\n        return True'), ('    return all(place(e, set()) for e in range(len(expected)))', '    return all(place(e, set()) for e in range(len(expected)))\n    ### END SOLUTION')),
    ],
    'tool_call_accuracy': [
        r'''def tool_call_accuracy(cases, predict):
    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""
    ### BEGIN SOLUTION
    per_case, tools = [], 0
    for case in cases:
        made = [(name, args) for name, args in predict(case["question"])]
        expected = [(name, args) for name, args in case["expected"]]
        per_case.append(made == expected)
        tools += sorted(name for name, _ in made) == sorted(name for name, _ in expected)
    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}
    ### END SOLUTION''',
        _variant(_TOOL_CALL_ACCURACY, ('    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""', '    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""\n    ### BEGIN SOLUTION'), ('        tools += sorted(name for name, _ in made) == sorted(name for name, _ in expected)', '        tools += set(name for name, _ in made) == set(name for name, _ in expected)'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}\n    ### END SOLUTION')),
        _variant(_TOOL_CALL_ACCURACY, ('    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""', '    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""\n    ### BEGIN SOLUTION'), ('        tools += sorted(name for name, _ in made) == sorted(name for name, _ in expected)', '        tools += [name for name, _ in made] == [name for name, _ in expected]'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}\n    ### END SOLUTION')),
        _variant(_TOOL_CALL_ACCURACY, ('    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""', '    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""\n    ### BEGIN SOLUTION'), ('        per_case.append(made == expected)', '        per_case.append(sorted(made, key=repr) == sorted(expected, key=repr))'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}\n    ### END SOLUTION')),
        _variant(_TOOL_CALL_ACCURACY, ('    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""', '    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""\n    ### BEGIN SOLUTION'), ('        per_case.append(made == expected)', '        per_case.append([n for n, _ in made] == [n for n, _ in expected])'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}\n    ### END SOLUTION')),
        _variant(_TOOL_CALL_ACCURACY, ('    per_case, tools = [], 0', '    per_case, tools, exact = [], 0, 0'), ('        per_case.append(made == expected)\n        tools += sorted(name for name, _ in made) == sorted(name for name, _ in expected)', '        exact += made == expected\n        same_tools = sorted(name for name, _ in made) == sorted(name for name, _ in expected)\n        per_case.append(same_tools)\n        tools += same_tools'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": exact / len(cases), "tools": tools / len(cases), "per_case": per_case}')),
        _variant(_TOOL_CALL_ACCURACY, ('    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""', '    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""\n    ### BEGIN SOLUTION'), ('        tools += sorted(name for name, _ in made) == sorted(name for name, _ in expected)', '        tools += sorted(name for name, _ in predict(case["question"])) == sorted(name for name, _ in expected)'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}\n    ### END SOLUTION')),
        _variant(_TOOL_CALL_ACCURACY, ('    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""', '    """{"exact", "tools", "per_case"} of the agent behind `predict` over the labelled `cases`."""\n    ### BEGIN SOLUTION'), ('    return {"exact": sum(per_case) / len(cases), "tools": tools / len(cases), "per_case": per_case}', '    return {"exact": sum(per_case), "tools": tools, "per_case": per_case}\n    ### END SOLUTION')),
    ],
    'guard_tool_output': [
        # the bare word "system" (no colon) taken for an order
        _variant(_GUARD_TOOL_OUTPUT, (r'|\bsystem:",', r'|\bsystem\b",')),
        _variant(_GUARD_TOOL_OUTPUT, ('    orders = re.compile(r"\\b(?:ignore|disregard|forget|pretend|instructions?|you\\s+must|you\\s+are\\s+now)\\b|\\bsystem:",\n                        re.IGNORECASE)', '    ### BEGIN SOLUTION\n    orders = re.compile(r"\\b(?:ignore|disregard|forget|pretend|instructions?|you\\s+must|you\\s+are\\s+now)\\b|\\bsystem:")'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    orders = re.compile(r"\\b(?:ignore|disregard|forget|pretend|instructions?|you\\s+must|you\\s+are\\s+now)\\b|\\bsystem:",', '    ### BEGIN SOLUTION\n    orders = re.compile(r"(?:ignore|disregard|forget|pretend|instructions?|you\\s+must|you\\s+are\\s+now)|system:",'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('            parts[i] = "[removed: instruction]"\n            flagged = True', '            return "[removed: instruction]", True'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('    parts = re.split(r"((?<=[.!?])\\s+|\\n)", text)   # sentences at even positions, what separates them at odd', '    parts = re.split(r"((?<=\\.) )", text)   # sentences at even positions, what separates them at odd'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('            flagged = True', '            flagged = True\n            break'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('        if orders.search(sentence) or (call.search(sentence) and tool_name.search(sentence)):', '        if orders.search(sentence):'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('        if orders.search(sentence) or (call.search(sentence) and tool_name.search(sentence)):', '        if orders.search(sentence) or call.search(sentence):'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    orders = re.compile(r"\\b(?:ignore|disregard|forget|pretend|instructions?|you\\s+must|you\\s+are\\s+now)\\b|\\bsystem:",', '    ### BEGIN SOLUTION\n    orders = re.compile(r"\\b(?:ignore|disregard|forget|pretend|instructions?|you\\s+must|you\\s+are\\s+now)\\b",'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('            parts[i] = "[removed: instruction]"', '            parts[i] = "[removed]"'), ('    return "".join(parts), flagged', '    return "".join(parts), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('    return "".join(parts), flagged', '    return " ".join(parts[::2]), flagged\n    ### END SOLUTION')),
        _variant(_GUARD_TOOL_OUTPUT, ('    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""', '    """(text with each sentence that gives orders replaced by "[removed: instruction]", whether any was)."""\n    ### BEGIN SOLUTION'), ('    return "".join(parts), flagged', '    return "".join(parts), True\n    ### END SOLUTION')),
    ],
    'with_approval': [
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    for name in list(registry):\n        if name in destructive:\n            registry[name] = gated(name, registry[name])\n    return registry\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    def gated(name, tool):\n        def run(**args):\n            decision = approve(name, dict(args))\n            if decision == "approve":\n                kind, used = "approve", args\n            elif isinstance(decision, (tuple, list)) and len(decision) == 2 and decision[0] == "edit":\n                kind, used = "edit", decision[1]\n            else:\n                kind, used = "deny", None\n            audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})\n            if used is None:\n                return {"error": "denied by the user"}\n            return tool(**used)\n        return run', '    guarded = dict(registry)\n    for name in registry:\n        if name in destructive:\n            tool = registry[name]'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '            def run(**args):\n                decision = approve(name, dict(args))\n                if decision == "approve":\n                    kind, used = "approve", args\n                elif isinstance(decision, tuple) and len(decision) == 2 and decision[0] == "edit":\n                    kind, used = "edit", decision[1]\n                else:\n                    kind, used = "deny", None\n                audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})\n                if used is None:\n                    return {"error": "denied by the user"}\n                return tool(**used)\n            guarded[name] = run\n    return guarded')),
        r'''def with_approval(registry, destructive, approve, audit):
    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""
    ### BEGIN SOLUTION
    def gated(name, tool):
        def run(**args):
            decision = approve(name, dict(args))
            if decision == "deny":
                kind, used = "deny", None
            elif isinstance(decision, (tuple, list)) and len(decision) == 2 and decision[0] == "edit":
                kind, used = "edit", decision[1]
            else:
                kind, used = "approve", args
            audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})
            if used is None:
                return {"error": "denied by the user"}
            return tool(**used)
        return run

    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}
    ### END SOLUTION''',
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('                kind, used = "edit", decision[1]', '                kind, used = "edit", args'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('                kind, used = "deny", None', '                kind, used = "deny", None\n            if used is None:\n                audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})\n                return {"error": "denied by the user"}\n            result = tool(**used)'), ('            if used is None:\n                return {"error": "denied by the user"}\n            return tool(**used)', '            return result'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) for name, tool in registry.items()}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('            audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})', '            audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})\n            result = tool(**(used if used is not None else args))'), ('            return tool(**used)', '            return result'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {**registry, **{name: gated(name, registry[name]) for name in destructive}}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('            audit.append({"tool": name, "args": args, "decision": kind, "ran_with": used})', '            audit.append({"tool": name, "args": args, "decision": decision, "ran_with": used})'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('                return {"error": "denied by the user"}', '                return {"error": "denied"}'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}\n    ### END SOLUTION')),
        _variant(_WITH_APPROVAL, ('    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""', '    """A new registry whose destructive tools ask approve(name, args) first and log each decision to audit."""\n    ### BEGIN SOLUTION'), ('            return tool(**used)', '            try:\n                return tool(**used)\n            except Exception as error:\n                return {"error": str(error)}'), ('    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}', '    return {name: gated(name, tool) if name in destructive else tool for name, tool in registry.items()}\n    ### END SOLUTION')),
    ],
}
