//! Where text becomes terminal cells. Every string the TUI draws that can
//! carry cluster data (names, messages, YAML, reasons, the status line,
//! flash messages, breadcrumbs, captions) goes through [`text`] (or a
//! table [`Row`](super::table::Row), whose cells are neutralised when the
//! row is made) exactly once, so controls, escape sequences, bidi controls
//! and zero-width characters show as visible escapes (`\x1b`, `\u202e`).
//!
//! ratatui itself drops control characters and zero-width graphemes when it
//! writes a buffer (`Buffer::set_stringn` in ratatui-core): safe, but
//! silent, so `web` and `w\u200beb` would look the same. Neutralising before
//! ratatui sees the text keeps them apart. [`scrub`] is the backstop over
//! the finished frame: a cell that still holds a character a terminal would
//! act on (text that some new view forgot to neutralise and that ratatui
//! kept, such as a zero-width joiner inside a grapheme) is replaced by a
//! visible U+FFFD instead of reaching the terminal.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::sanitize;

/// Cluster text, neutralised for a cell.
pub fn text(s: &str) -> Cow<'_, str> {
    sanitize::escape(s)
}

/// Text egscope composed itself around cluster strings already
/// neutralised, where `\n` is its own line break (captions, placeholders).
pub fn layout_text(s: &str) -> Cow<'_, str> {
    sanitize::escape_keep_layout(s)
}

/// A span of cluster text.
pub fn span<'a>(s: &str, style: Style) -> Span<'a> {
    Span::styled(text(s).into_owned(), style)
}

/// Replaces what no cell may hold with a visible U+FFFD. Returns how many
/// cells it had to fix (0 when every string was neutralised upstream).
pub fn scrub(buf: &mut Buffer) -> usize {
    let mut fixed = 0;
    for cell in buf.content.iter_mut() {
        if !sanitize::is_clean(cell.symbol()) {
            cell.set_symbol("\u{fffd}");
            fixed += 1;
        }
    }
    fixed
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;

    use super::*;

    #[test]
    fn scrub_replaces_unsafe_cells_visibly() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf[(0, 0)].set_symbol("a\u{200d}");
        buf[(1, 0)].set_symbol("b");
        assert_eq!(scrub(&mut buf), 1);
        assert_eq!(buf[(0, 0)].symbol(), "\u{fffd}");
        assert_eq!(buf[(1, 0)].symbol(), "b");
    }

    #[test]
    fn text_shows_what_ratatui_would_drop() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 1));
        buf.set_string(0, 0, text("w\u{200b}eb\u{202e}"), Style::new());
        let shown: String = (0..20).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(shown.starts_with("w\\u200beb\\u202e"), "{shown:?}");
    }
}
