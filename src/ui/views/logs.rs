//! The log pane: a container's recent log over the body, search matches
//! highlighted, the reason in words when the log cannot be read.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::ui::theme::Theme;
use crate::ui::vm::logs::{LogFailure, LogPane};
use crate::ui::widgets::safe;

/// What to bind when `pods/log` is forbidden.
pub const FORBIDDEN_HINT: &str = "egscope reads pod logs only where the optional \
     egscope-log-reader role (assets/rbac.yaml) is bound; the least-privilege role does not grant pods/log";

/// Splits `line` into spans with every case-insensitive occurrence of
/// `needle` in `hl`.
fn highlighted(line: &str, needle: &str, base: Style, hl: Style) -> Vec<Span<'static>> {
    let line = safe::text(line).into_owned();
    if needle.is_empty() {
        return vec![Span::styled(line, base)];
    }
    let lower = line.to_lowercase();
    let needle = needle.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII: match on the
    // original only where the offsets agree.
    if lower.len() != line.len() {
        return vec![Span::styled(line, base)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (i, _) in lower.match_indices(&needle) {
        if i < at {
            continue;
        }
        if i > at {
            out.push(Span::styled(line[at..i].to_string(), base));
        }
        out.push(Span::styled(line[i..i + needle.len()].to_string(), hl));
        at = i + needle.len();
    }
    if at < line.len() {
        out.push(Span::styled(line[at..].to_string(), base));
    }
    out
}

pub fn render(p: &LogPane, frame: &mut Frame, body: Rect, theme: &Theme) {
    frame.render_widget(Clear, body);
    let state = if p.target.previous {
        "previous container"
    } else if p.follow {
        "following"
    } else {
        "paused"
    };
    let block = Block::bordered()
        .border_style(theme.accent)
        .style(theme.bg)
        .title(safe::span(
            &format!(" Logs ‹{}› ", p.target.title()),
            theme.title,
        ))
        .title(
            Line::from(Span::styled(
                format!(
                    " {state} · last {} lines read · {} shown ",
                    p.target.tail_lines,
                    p.lines.len()
                ),
                theme.dim,
            ))
            .right_aligned(),
        );
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(why) = &p.unavailable {
        lines.push(Line::from(safe::span(why, theme.warning)));
    }
    match &p.error {
        Some(LogFailure::Forbidden(why)) => {
            lines.push(Line::from(safe::span(
                &format!("forbidden: {why}"),
                theme.error,
            )));
            lines.push(Line::from(Span::styled(FORBIDDEN_HINT, theme.warning)));
        }
        Some(LogFailure::Failed(why)) => {
            lines.push(Line::from(safe::span(
                &format!("cannot read the log: {why}"),
                theme.error,
            )));
        }
        None => {}
    }
    if p.lines.is_empty() && lines.is_empty() {
        let msg = if p.pending {
            "reading…"
        } else {
            "(no lines)"
        };
        lines.push(Line::from(Span::styled(msg, theme.dim)));
    }
    let height = (inner.height as usize).saturating_sub(lines.len());
    let top = p.top(height);
    for (i, l) in p.lines.iter().enumerate().skip(top).take(height) {
        let base = if p.hit == Some(i) {
            theme.selection
        } else {
            theme.fg
        };
        lines.push(Line::from(highlighted(l, &p.search, base, theme.highlight)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The hint line while the pane is open, or its search prompt.
pub fn prompt<'a>(p: &LogPane, searching: bool, theme: &Theme) -> Line<'a> {
    if searching {
        let n = p.matches().len();
        let found = match p.hit {
            Some(i) => format!(
                "   line {} · {n} matching (Enter keeps it, n/N: next/prev)",
                i + 1
            ),
            None if p.search.is_empty() => "   search the log".to_string(),
            None => "   no match".to_string(),
        };
        return Line::from(vec![
            Span::styled("/", theme.prompt),
            safe::span(&p.search, theme.fg),
            Span::styled("█", theme.prompt),
            Span::styled(found, theme.dim),
        ]);
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, h) in [
        ("Esc", "close"),
        ("f", "follow"),
        ("p", "previous"),
        ("/", "search"),
        ("n/N", "next/prev"),
        ("j/k", "scroll"),
    ] {
        spans.push(Span::styled(format!("<{k}>"), theme.key));
        spans.push(Span::styled(format!(" {h}  "), theme.dim));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_split_out_case_insensitively() {
        let s = highlighted(
            "GET 503 uh 503",
            "503",
            Style::default(),
            Style::new().bold(),
        );
        let texts: Vec<&str> = s.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, ["GET ", "503", " uh ", "503"]);
        let s = highlighted("a UH b", "uh", Style::default(), Style::new().bold());
        assert_eq!(s[1].content, "UH");
    }
}
