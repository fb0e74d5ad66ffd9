//! The handlers on their own, without I/O.

use lsp_types::{Position, Url};

use super::document::Document;
use super::features;

const POLICY: &str = r#"policy "Call-backs — out of hours"
role medical_lead "Medical Lead"
metric callback_in_time "Call-backs in time" percent, higher is better
subjects {
  band: integer 1..9
}
case review "Review" {
  opened by review_opened
  closed by review_closed
  events review_held
}
event review_opened "Review opened"
event review_held "Review held" once per case
event review_closed "Review closed"
deadline review_due "Review held in time" {
  review_held within 4 weeks after review_opened
}
grade pattern "Pattern" {
  high when callback_in_time < 50%
  low otherwise
}
rule low_callbacks "Call-backs below 80% — “low”" { when callbak_in_time < 80%
  severity moderate
  require "Root-cause discussion"
  owner medical_lead
  due 10 working days
}
"#;

fn doc() -> Document {
    Document::new("callbacks.policy", POLICY.to_string())
}

fn uri() -> Url {
    Url::parse("file:///callbacks.policy").unwrap()
}

/// The position of `needle` in the policy, in UTF-16 columns, plus `shift`.
fn at(needle: &str, shift: u32) -> Position {
    let d = doc();
    let offset = POLICY.find(needle).expect("needle present");
    let p = d.position(offset);
    Position::new(p.line, p.character + shift)
}

fn hover_text(needle: &str) -> String {
    let hover = features::hover(&doc(), at(needle, 1)).expect("a hover");
    match hover.contents {
        lsp_types::HoverContents::Markup(m) => m.value,
        other => panic!("unexpected hover {other:?}"),
    }
}

#[test]
fn ranges_count_utf16_columns() {
    let d = doc();
    let diagnostics = features::diagnostics(&d, &uri());
    let codes: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.code.clone().unwrap(), d.severity.unwrap()))
        .collect();
    let code = |c: &str| lsp_types::NumberOrString::String(c.to_string());
    use lsp_types::DiagnosticSeverity as S;
    assert_eq!(
        codes,
        [
            (code("check::unused_deadline"), S::WARNING),
            (code("check::unused_grade"), S::WARNING),
            (code("check::unknown_metric"), S::ERROR)
        ]
    );
    let diagnostics = &diagnostics[2..];
    let range = diagnostics[0].range;
    // `—`, `“` and `”` are three bytes each but one UTF-16 unit.
    let line = POLICY.lines().nth(range.start.line as usize).unwrap();
    let column = line.find("callbak_in_time").unwrap();
    let utf16: usize = line[..column].chars().map(char::len_utf16).sum();
    assert_eq!(range.start.character as usize, utf16);
    assert_eq!(
        range.end.character as usize,
        utf16 + "callbak_in_time".len()
    );
    assert_eq!(
        diagnostics[0].message,
        "there is no metric called `callbak_in_time` (not a metric of this policy)\nhelp: did you mean `callback_in_time`?"
    );
}

#[test]
fn hover_explains_every_kind_of_name() {
    assert_eq!(
        hover_text("metric callback_in_time"),
        "`metric`: `metric ID \"Description\" KIND, higher|lower is better`: a monthly figure"
    );
    assert_eq!(
        hover_text("callback_in_time \""),
        "**metric** `callback_in_time`: Call-backs in time\n\nunit: percent, higher is better"
    );
    assert_eq!(
        hover_text("band"),
        "**field** `band` of subjects: integer 1..9"
    );
    assert_eq!(
        hover_text("review \""),
        "**case kind** `review`: Review\n\n- opened by `review_opened`\n- closed by `review_closed`\n- events `review_held`"
    );
    assert_eq!(
        hover_text("review_due"),
        "**deadline** `review_due`: Review held in time\n\n`review_held within 4 weeks after review_opened`"
    );
    assert_eq!(
        hover_text("review_held \""),
        "**event kind** `review_held`: Review held (once per case)\n\nno fields of its own"
    );
}

#[test]
fn references_and_rename_cover_the_file_but_not_texts() {
    let d = doc();
    let refs = features::references(&d, &uri(), at("review_held within", 0), true);
    // Declared, listed under the case's `events`, and awaited by the deadline; the title
    // "Review held in time" is not a reference.
    assert_eq!(refs.len(), 3);
    let edit = features::rename(&d, &uri(), at("medical_lead \"", 0), "clinical_lead").unwrap();
    let edits = &edit.changes.unwrap()[&uri()];
    assert_eq!(edits.len(), 2);
    assert!(features::rename(&d, &uri(), at("medical_lead", 0), "Bad Name").is_err());
    assert!(features::rename(&d, &uri(), at("medical_lead", 0), "pattern").is_err());
}

#[test]
fn a_syntax_error_leaves_the_other_items_usable() {
    let broken = POLICY.replace("  low otherwise\n", "  low otherwise oops\n");
    let d = Document::new("callbacks.policy", broken.clone());
    let codes: Vec<&str> = d.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["parse::unexpected", "check::unknown_metric"]);
    let offset = broken.find("owner medical_lead").unwrap() + 7;
    let hover = features::hover(&d, d.position(offset)).unwrap();
    let lsp_types::HoverContents::Markup(m) = hover.contents else {
        panic!("markup expected");
    };
    assert_eq!(m.value, "**role** `medical_lead`: Medical Lead");
}

#[test]
fn the_quick_fix_writes_the_suggestion() {
    let d = doc();
    let start = at("callbak_in_time", 0);
    let actions = features::code_actions(&d, &uri(), lsp_types::Range::new(start, start));
    assert_eq!(actions.len(), 1);
    let edits = &actions[0].edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri()];
    assert_eq!(edits[0].new_text, "callback_in_time");
    assert_eq!(edits[0].range.start, start);
}

#[test]
fn completion_offers_what_fits_the_place() {
    let labels = |text: &str, needle: &str, shift: u32| {
        let d = Document::new("p.policy", text.to_string());
        let offset = text.find(needle).unwrap() + shift as usize;
        features::completion(&d, d.position(offset))
            .into_iter()
            .map(|c| c.label)
            .collect::<Vec<_>>()
    };
    assert_eq!(labels(POLICY, "owner medical_lead", 6), ["medical_lead"]);
    assert_eq!(
        labels(POLICY, "due 10 working", 7),
        ["working days", "days", "weeks", "months"]
    );
    assert_eq!(
        labels(POLICY, "percent, higher", 0),
        ["percent", "number", "count"]
    );
    let with_grade = POLICY.replace("when callbak_in_time < 80%", "when pattern in [high, ");
    assert_eq!(labels(&with_grade, "in [high, ", 10), ["high", "low"]);
}

#[test]
fn outline_and_folding_list_the_items() {
    let d = doc();
    let symbols: Vec<String> = features::symbols(&d).into_iter().map(|s| s.name).collect();
    assert_eq!(
        symbols,
        [
            "medical_lead",
            "callback_in_time",
            "review",
            "review_opened",
            "review_held",
            "review_closed",
            "review_due",
            "pattern",
            "low_callbacks"
        ]
    );
    // subjects, case, deadline, grade and rule span several lines.
    assert_eq!(features::folding(&d).len(), 5);
}

#[test]
fn secondary_labels_become_related_information() {
    let text = POLICY.replace(
        "  owner medical_lead\n",
        "  owner medical_lead\n  involve medical_lead\n",
    );
    let d = Document::new("p.policy", text.clone());
    let diagnostics = features::diagnostics(&d, &uri());
    let involved = diagnostics
        .iter()
        .find(|d| {
            d.code
                == Some(lsp_types::NumberOrString::String(
                    "check::owner_involved".into(),
                ))
        })
        .expect("the owner is also involved");
    let related = involved
        .related_information
        .as_ref()
        .expect("related information");
    assert_eq!(related.len(), 1);
    assert_eq!(related[0].message, "the owner");
    let owner = text.find("owner medical_lead").unwrap() + "owner ".len();
    assert_eq!(related[0].location.range.start, d.position(owner));
}

#[test]
fn the_server_publishes_diagnostics_and_logs_what_it_cannot_read() {
    use lsp_server::{Notification, Request, RequestId};
    use serde_json::json;
    let mut server = super::Server::default();
    let open = Notification::new(
        "textDocument/didOpen".to_string(),
        json!({"textDocument": {"uri": uri(), "languageId": "escalate", "version": 1, "text": POLICY}}),
    );
    let out = server.notification(open);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].method, "textDocument/publishDiagnostics");
    assert_eq!(out[0].params["diagnostics"].as_array().unwrap().len(), 3);

    let garbled = Notification::new(
        "textDocument/didChange".to_string(),
        json!({"nonsense": true}),
    );
    let out = server.notification(garbled);
    assert_eq!(out[0].method, "window/logMessage");
    assert!(out[0].params["message"]
        .as_str()
        .unwrap()
        .starts_with("cannot read `textDocument/didChange`"));

    let hover = |uri: &str| {
        Request::new(
            RequestId::from(7),
            "textDocument/hover".to_string(),
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}}),
        )
    };
    let answer = server.request(hover(uri().as_str()));
    assert!(answer.error.is_none());
    let unknown = server.request(hover("file:///elsewhere.policy"));
    assert_eq!(
        unknown.error.unwrap().message,
        "`file:///elsewhere.policy` is not open"
    );
}
