//! `escalate lsp`: a language server over standard input and output, for editors. It is
//! synchronous (rust-analyzer's `lsp-server`): one message at a time, each document analysed
//! again on every change as `escalate check` would, except that only the items whose text
//! changed are parsed again (see `benches/check.rs`).
//!
//! [`Server`] holds the open documents and turns each request into its response without
//! doing any I/O; [`run`] connects it to standard input and output.

pub mod document;
pub mod features;
mod words;

use std::collections::HashMap;

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, LogMessage,
    Notification as NotificationTrait, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, FoldingRangeRequest, Formatting,
    GotoDefinition, HoverRequest, References, Rename, Request as RequestTrait,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, FoldingRangeProviderCapability,
    HoverProviderCapability, OneOf, PublishDiagnosticsParams, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, Url,
};

use document::Document;

/// What the server can do, as told to the editor.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".to_string(), "[".to_string()]),
            ..Default::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// Serves one editor over standard input and output until it says `exit`.
pub fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, io_threads) = Connection::stdio();
    connection.initialize(serde_json::to_value(capabilities())?)?;
    let mut server = Server::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    break;
                }
                let response = server.request(request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                for out in server.notification(notification) {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// The open documents, and the answers to requests about them.
#[derive(Default)]
pub struct Server {
    documents: HashMap<Url, Document>,
}

impl Server {
    /// Handles a notification (open, change, close): the diagnostics to publish, or a log
    /// message saying why a notification could not be read.
    pub fn notification(&mut self, notification: Notification) -> Vec<Notification> {
        let method = notification.method.clone();
        let opened_or_changed = match method.as_str() {
            DidOpenTextDocument::METHOD => notification
                .extract::<lsp_types::DidOpenTextDocumentParams>(&method)
                .map(|p| Some((p.text_document.uri, p.text_document.text))),
            DidChangeTextDocument::METHOD => notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(&method)
                .map(|mut p| Some((p.text_document.uri, p.content_changes.pop()?.text))),
            DidCloseTextDocument::METHOD => notification
                .extract::<lsp_types::DidCloseTextDocumentParams>(&method)
                .map(|p| {
                    self.documents.remove(&p.text_document.uri);
                    Some((p.text_document.uri, String::new()))
                }),
            _ => return Vec::new(),
        };
        let (uri, text) = match opened_or_changed {
            Ok(Some(document)) => document,
            Ok(None) => return Vec::new(),
            Err(error) => return vec![log_error(&format!("cannot read `{method}`: {error}"))],
        };
        if method == DidCloseTextDocument::METHOD {
            return vec![publish(uri, Vec::new())];
        }
        let cache = self
            .documents
            .remove(&uri)
            .map(|previous| previous.cache)
            .unwrap_or_default();
        let document = Document::changed(&file_name(&uri), text, cache);
        let diagnostics = features::diagnostics(&document, &uri);
        self.documents.insert(uri.clone(), document);
        vec![publish(uri, diagnostics)]
    }

    /// Answers a request.
    pub fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match self.answer(request) {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code, message),
        }
    }

    fn answer(&self, request: Request) -> Result<serde_json::Value, (i32, String)> {
        use lsp_server::ErrorCode;
        let method = request.method.clone();
        let invalid = |e: serde_json::Error| (ErrorCode::InvalidParams as i32, e.to_string());
        let params = request.params;
        let json = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
        };
        match method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position_params;
                let doc = self.document(&at.text_document.uri)?;
                json(serde_json::to_value(features::hover(doc, at.position)))
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position_params;
                let doc = self.document(&at.text_document.uri)?;
                let uri = &at.text_document.uri;
                json(serde_json::to_value(features::definition(
                    doc,
                    uri,
                    at.position,
                )))
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position;
                let doc = self.document(&at.text_document.uri)?;
                json(serde_json::to_value(features::references(
                    doc,
                    &at.text_document.uri,
                    at.position,
                    p.context.include_declaration,
                )))
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position;
                let doc = self.document(&at.text_document.uri)?;
                let edit = features::rename(doc, &at.text_document.uri, at.position, &p.new_name)
                    .map_err(|r| (ErrorCode::RequestFailed as i32, r.0))?;
                json(serde_json::to_value(edit))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position;
                let doc = self.document(&at.text_document.uri)?;
                json(serde_json::to_value(features::completion(doc, at.position)))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let doc = self.document(&p.text_document.uri)?;
                json(serde_json::to_value(features::formatting(doc)))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let doc = self.document(&p.text_document.uri)?;
                json(serde_json::to_value(features::symbols(doc)))
            }
            FoldingRangeRequest::METHOD => {
                let p: lsp_types::FoldingRangeParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let doc = self.document(&p.text_document.uri)?;
                json(serde_json::to_value(features::folding(doc)))
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams =
                    serde_json::from_value(params).map_err(invalid)?;
                let doc = self.document(&p.text_document.uri)?;
                json(serde_json::to_value(features::code_actions(
                    doc,
                    &p.text_document.uri,
                    p.range,
                )))
            }
            other => Err((
                ErrorCode::MethodNotFound as i32,
                format!("escalate lsp does not handle `{other}`"),
            )),
        }
    }

    fn document(&self, uri: &Url) -> Result<&Document, (i32, String)> {
        self.documents.get(uri).ok_or_else(|| {
            (
                lsp_server::ErrorCode::InvalidParams as i32,
                format!("`{uri}` is not open"),
            )
        })
    }
}

/// A message for the editor's log (VS Code shows it in the server's output channel).
fn log_error(message: &str) -> Notification {
    let params = lsp_types::LogMessageParams {
        typ: lsp_types::MessageType::ERROR,
        message: message.to_string(),
    };
    Notification::new(LogMessage::METHOD.to_string(), params)
}

fn publish(uri: Url, diagnostics: Vec<lsp_types::Diagnostic>) -> Notification {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    Notification::new(PublishDiagnostics::METHOD.to_string(), params)
}

/// The name diagnostics use for a document: its path, for a file.
fn file_name(uri: &Url) -> String {
    uri.to_file_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|()| uri.to_string())
}
#[cfg(test)]
mod tests;
