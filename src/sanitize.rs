//! Neutralising text from the cluster (or from files) before a human sees
//! it on a terminal: every character that a terminal would act on (C0 and
//! C1 controls, ESC and so every escape sequence, DEL) or that would hide
//! or reorder text (bidi overrides and isolates, zero-width characters and
//! other invisible format characters) is replaced by a visible escape:
//! `\x1b`, `\x9b`, `\u202e`, `\u{e0041}`. Nothing is dropped, so two names
//! that differ by one invisible character never look the same.
//!
//! A leaf module: no other egscope module is used, so every layer (reports,
//! errors, logs, the TUI) can call it.
//!
//! kubectl does a narrower version of this since its escape-injection fix
//! (kubernetes/kubernetes#101695): `EscapeTerminal` in
//! k8s.io/cli-runtime/pkg/printers/terminal.go replaces only ESC (with `^[`)
//! and `\r` (with `\r`). egscope differs on purpose:
//! - it escapes every C0/C1 control and DEL, not only ESC and CR: a raw
//!   C1 CSI (U+009B) starts an escape sequence on terminals that honour
//!   8-bit controls, a BEL or a backspace rewrites what was printed, and
//!   `\n` in a name or message forges report lines;
//! - it escapes bidi controls and zero-width characters (Trojan Source,
//!   CVE-2021-42574), which kubectl passes through, so that a name never
//!   reads differently from what it is;
//! - it writes ESC as `\x1b` rather than `^[`: one notation, the same as
//!   Rust and Go string escapes, for every escaped character.
//!
//! Backslashes are not escaped, so the function is idempotent: text that
//! passed through it once comes out unchanged, and layers that each
//! neutralise what they print cannot double-escape. Kubernetes names cannot
//! contain a backslash, so a name that shows `\u200b` had the invisible
//! character; in free text (messages) a literal `\u200b` reads the same,
//! which is harmless: it is visible either way.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself.
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        // C0 controls (tab and newline included: cluster text never gets
        // them raw), DEL and the C1 controls.
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Soft hyphen: invisible unless the line breaks there.
        | '\u{ad}'
        // Arabic letter mark (bidi).
        | '\u{61c}'
        // Mongolian vowel separator (invisible).
        | '\u{180e}'
        // Zero-width space, non-joiner, joiner; LRM, RLM.
        | '\u{200b}'..='\u{200f}'
        // Line and paragraph separators (line breaks on some terminals);
        // bidi embeddings and overrides LRE, RLE, PDF, LRO, RLO.
        | '\u{2028}'..='\u{202e}'
        // Word joiner, invisible operators, bidi isolates LRI, RLI, FSI,
        // PDI, and the deprecated format characters.
        | '\u{2060}'..='\u{206f}'
        // Zero-width no-break space (BOM).
        | '\u{feff}'
        // Interlinear annotation controls.
        | '\u{fff9}'..='\u{fffb}'
        // Tag characters (invisible; used to smuggle text).
        | '\u{e0000}'..='\u{e007f}'
    )
}

/// Whether `s` holds anything [`escape`] would change.
pub fn is_clean(s: &str) -> bool {
    // Printable ASCII is the common case (every cell of a frame is
    // checked): bytes, no decoding.
    if s.bytes().all(|b| matches!(b, 0x20..=0x7e)) {
        return true;
    }
    !s.chars().any(needs_escape)
}

/// `s` with every character of [`needs_escape`] made visible: `\xHH` below
/// U+0100, `\uHHHH` in the BMP, `\u{HHHHH}` above it. Borrows when nothing
/// needs escaping (the common case costs one scan).
pub fn escape(s: &str) -> Cow<'_, str> {
    if is_clean(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`escape`], but keeps `\n` (and `\t`) as they are: for text that
/// egscope composed itself, where line breaks are its own layout. Cluster
/// strings inside such text must have gone through [`escape`] first.
pub fn escape_keep_layout(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| needs_escape(c) && !matches!(c, '\n' | '\t'))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(c, '\n' | '\t') {
            out.push(c);
        } else {
            push_char(&mut out, c);
        }
    }
    Cow::Owned(out)
}

fn push_char(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
        return;
    }
    // Hex digits by hand: `write!` costs more than the rest of the
    // neutraliser together on text full of controls.
    fn hex(out: &mut String, n: u32, digits: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for i in (0..digits).rev() {
            out.push(HEX[((n >> (4 * i)) & 0xf) as usize] as char);
        }
    }
    let n = c as u32;
    if n < 0x100 {
        out.push_str("\\x");
        hex(out, n, 2);
    } else if n <= 0xffff {
        out.push_str("\\u");
        hex(out, n, 4);
    } else {
        out.push_str("\\u{");
        hex(out, n, if n > 0xfffff { 6 } else { 5 });
        out.push('}');
    }
}

/// Lossy UTF-8 decoding followed by [`escape`]: bytes that are not UTF-8
/// show as U+FFFD (visible), never as raw bytes.
pub fn escape_bytes(bytes: &[u8]) -> String {
    escape(&String::from_utf8_lossy(bytes)).into_owned()
}

/// Tabs as spaces to the next stop of 8, as a terminal shows `kubectl
/// logs`: Envoy Gateway's controller separates its log fields with tabs
/// (zap's console encoder), which would otherwise show as `\x09` escapes.
/// Columns are counted in characters; a line is rarely wide text.
pub fn expand_tabs(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\t') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 16);
    let mut col = 0usize;
    for c in line.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(escape("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(escape("\x1b[2J"), "\\x1b[2J");
        assert_eq!(escape("x\u{9b}31m"), "x\\x9b31m");
        assert_eq!(escape("del\x7f"), "del\\x7f");
        assert_eq!(escape("tab\tnl\ncr\r"), "tab\\x09nl\\x0acr\\x0d");
        assert_eq!(escape("\0"), "\\x00");
    }

    #[test]
    fn bidi_and_zero_width_become_visible() {
        assert_eq!(escape("ab\u{202e}cd"), "ab\\u202ecd");
        assert_eq!(escape("a\u{200d}b"), "a\\u200db");
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{200b}', '\u{200c}',
            '\u{200d}', '\u{2060}', '\u{feff}',
        ] {
            let s = c.to_string();
            let e = escape(&s);
            assert_eq!(e, format!("\\u{:04x}", c as u32), "{:?}", c);
        }
        assert_eq!(escape("tag\u{e0041}"), "tag\\u{e0041}");
    }

    #[test]
    fn names_differing_by_an_invisible_char_look_different() {
        assert_ne!(escape("web"), escape("w\u{200b}eb"));
        assert_ne!(escape("web"), escape("web\u{2066}"));
    }

    #[test]
    fn clean_text_is_borrowed_and_escaping_is_idempotent() {
        let plain = "Gateway apps/edge: café ✓ 日本 \\ backslash";
        assert!(matches!(escape(plain), Cow::Borrowed(_)));
        let hostile = "x\x1b[31m\u{202e}\u{200b}\u{9b}\u{e0001}\\x1b";
        let once = escape(hostile).into_owned();
        assert_eq!(escape(&once), once);
        assert!(is_clean(&once));
    }

    #[test]
    fn layout_keeps_newlines_and_tabs_only() {
        assert_eq!(escape_keep_layout("a\nb\tc\x1bd"), "a\nb\tc\\x1bd");
        assert!(matches!(escape_keep_layout("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn invalid_utf8_is_replaced_visibly() {
        assert_eq!(escape_bytes(b"a\xffb\x1b"), "a\u{fffd}b\\x1b");
    }
}
