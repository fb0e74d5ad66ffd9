//! `escalate lsp` as an editor runs it: a child process spoken to in JSON-RPC over its
//! standard input and output. Every wait has a timeout, so a hung server fails the test.
#![cfg(feature = "lsp")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);
const URI: &str = "file:///tmp/escalate-lsp-test/callbacks.policy";

/// A policy with a syntax error in one rule and a misspelt metric in another.
const BROKEN: &str = r#"policy "Call-backs"
role medical_lead "Medical Lead"
metric callback_in_time "Call-backs in time" percent, higher is better
concerns {
  category: one of clinical, conduct
}
event review_held "Progress review held" {
  outcome: one of improving, worse
}
grade pattern "Pattern of concern" {
  high when count(concerns where category = clinical) >= 2
  low otherwise
}
rule low_callbacks "Call-backs below 80%" {
  when callbak_in_time < 80%
  severity moderate
  require "Root-cause discussion"
  owner medical_lead
  due 10 working days
}
rule broken "Broken" {
  when callback_in_time <
  severity high
}
"#;

/// The same policy, fixed (and laid out as `escalate fmt` would, but for one line).
fn fixed() -> String {
    BROKEN
        .replace("callbak_in_time", "callback_in_time")
        .replace(
            "rule broken \"Broken\" {\n  when callback_in_time <\n  severity high\n}\n",
            "rule very_low \"Very low\" {\n  when callback_in_time < 60% and pattern = high\n  severity high\n  require \"Meeting\"\n  owner medical_lead\n  replaces low_callbacks\n  due 5 working days\n}\n",
        )
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("escalate lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response's result.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait_for(|m| m["id"] == json!(id));
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next message that `wanted` accepts (others are skipped), within [`WAIT`].
    fn wait_for(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .messages
                .recv_timeout(left)
                .expect("the server answers within the time allowed");
            if wanted(&message) {
                return message;
            }
        }
    }

    fn diagnostics(&self) -> Value {
        let m = self.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
        m["params"]["diagnostics"].clone()
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

/// The position of the `nth` (0-based) occurrence of `needle` in `text`, plus `shift` columns.
fn position_of(text: &str, needle: &str, nth: usize, shift: u32) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .expect("needle present")
        .0;
    let line = text[..offset].matches('\n').count() as u32;
    let column = (offset - text[..offset].rfind('\n').map_or(0, |i| i + 1)) as u32;
    (line, column + shift)
}

fn labels(completion: &Value) -> Vec<String> {
    completion
        .as_array()
        .expect("a list of completions")
        .iter()
        .map(|c| c["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_editor_session() {
    let mut server = Server::start();
    let init = server.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], json!(true));
    server.notify("initialized", json!({}));

    // Open the broken policy: both problems, with their codes and ranges.
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "escalate", "version": 1, "text": BROKEN}}),
    );
    insta::assert_json_snapshot!("diagnostics_of_broken_policy", server.diagnostics());

    // The quick fix for the misspelt metric.
    let (line, column) = position_of(BROKEN, "callbak_in_time", 0, 0);
    let range = json!({"start": {"line": line, "character": column}, "end": {"line": line, "character": column}});
    let actions = server.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": range, "context": {"diagnostics": []}}),
    );
    assert_eq!(actions[0]["title"], json!("Change to `callback_in_time`"));
    let edit = &actions[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], json!("callback_in_time"));
    assert_eq!(
        edit["range"]["start"],
        json!({"line": line, "character": column})
    );

    // Hover, definition, references and completion work around the broken rule.
    let (line, column) = position_of(BROKEN, "owner medical_lead", 0, 7);
    let hover = server.request("textDocument/hover", at(line, column));
    assert_eq!(
        hover["contents"]["value"],
        json!("**role** `medical_lead`: Medical Lead")
    );

    // Fix it: no diagnostics.
    let text = fixed();
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(server.diagnostics(), json!([]));

    let (line, column) = position_of(&text, "pattern = high", 0, 2);
    let hover = server.request("textDocument/hover", at(line, column));
    assert_eq!(
        hover["contents"]["value"],
        json!("**grade** `pattern`: Pattern of concern\n\nlevels, highest first: `high`, `low`")
    );
    let (line, column) = position_of(&text, "review_held", 0, 0);
    let hover = server.request("textDocument/hover", at(line, column));
    assert_eq!(
        hover["contents"]["value"],
        json!("**event kind** `review_held`: Progress review held\n\n- `outcome`: one of `improving`, `worse`")
    );
    let (line, column) = position_of(&text, "replaces", 0, 1);
    let hover = server.request("textDocument/hover", at(line, column));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("`replaces`: "));

    let (line, column) = position_of(&text, "replaces low_callbacks", 0, 10);
    let definition = server.request("textDocument/definition", at(line, column));
    let (decl_line, decl_column) = position_of(&text, "low_callbacks", 0, 0);
    assert_eq!(
        definition["range"]["start"],
        json!({"line": decl_line, "character": decl_column})
    );

    let mut params = at(line, column);
    params["context"] = json!({"includeDeclaration": true});
    let references = server.request("textDocument/references", params);
    assert_eq!(references.as_array().unwrap().len(), 2);

    let (line, column) = position_of(&text, "callback_in_time", 0, 3);
    let mut params = at(line, column);
    params["newName"] = json!("in_time");
    let rename = server.request("textDocument/rename", params);
    assert_eq!(rename["changes"][URI].as_array().unwrap().len(), 3);

    // Completion at several places.
    let complete = |server: &mut Server, needle: &str, shift: u32| {
        let (line, column) = position_of(&text, needle, 0, shift);
        labels(&server.request("textDocument/completion", at(line, column)))
    };
    assert_eq!(
        complete(&mut server, "owner medical_lead", 6),
        ["medical_lead"]
    );
    assert_eq!(
        complete(&mut server, "replaces low_callbacks", 9),
        ["low_callbacks", "very_low"]
    );
    assert_eq!(complete(&mut server, "pattern = high", 10), ["high", "low"]);
    assert!(complete(&mut server, "category = clinical", 0).contains(&"category".to_string()));
    let conditions = complete(&mut server, "callback_in_time < 60%", 0);
    assert!(conditions.contains(&"callback_in_time".to_string()));
    assert!(conditions.contains(&"pattern".to_string()));
    let clauses = complete(&mut server, "  severity high", 2);
    assert!(clauses.contains(&"severity".to_string()) && clauses.contains(&"owner".to_string()));
    let top = complete(&mut server, "rule very_low", 0);
    assert!(top.contains(&"new rule".to_string()) && top.contains(&"grade".to_string()));

    // Formatting: the aligned layout of `escalate fmt`.
    let edits = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().expect("one edit");
    assert_eq!(
        formatted,
        escalate::format_policy("p.policy", &text).unwrap()
    );

    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "medical_lead",
            "callback_in_time",
            "review_held",
            "pattern",
            "low_callbacks",
            "very_low"
        ]
    );

    // Shut down and exit with status 0.
    assert_eq!(server.request("shutdown", json!(null)), json!(null));
    server.notify("exit", json!(null));
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");
}
