//! The one key table. Normal-mode keys map to a [`Cmd`] through it, and the
//! `?` help page is generated from it, so the two cannot drift apart.
//! No key writes to the cluster: there is no write path at all.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Quit,
    Help,
    CommandMode,
    FilterMode,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Enter,
    Back,
    NextTab,
    PrevTab,
    Tab(u8),
    SortNext,
    SortReverse,
    ToggleYaml,
    Copy,
    CopyKubectl,
    RowNamespace,
    AllNamespaces,
    GroupToggle,
    SeverityCycle,
    AreaCycle,
    FocusPane,
    TourNext,
    /// `/` in the Detail pane: search the YAML.
    Search,
    /// `n` in the Detail pane: the next match of the search.
    SearchNext,
    /// `N` in the Detail pane and in the log pane: the previous match.
    SearchPrev,
    /// `p`: the pods of the selected fleet (or of the fleet on screen).
    Pods,
    /// `l`: the log pane of the selected pod (or a fleet's first pod).
    Logs,
    /// `f` in the log pane: follow on/off.
    LogFollow,
    /// `p` in the log pane: the previous (crashed) container's log.
    LogPrevious,
}

/// Where a binding applies; more specific scopes are looked up first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Findings,
    Detail,
    Logs,
    Tour,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Findings => "Findings view",
            Scope::Detail => "Detail pane",
            Scope::Logs => "Log pane (l)",
            Scope::Tour => "Tour (egscope demo --tour)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
const fn code(code: KeyCode) -> KeySpec {
    KeySpec { code, ctrl: false }
}
const fn ctrl(c: char) -> KeySpec {
    KeySpec {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

pub struct Binding {
    pub keys: &'static [KeySpec],
    /// How help prints the keys.
    pub label: &'static str,
    pub cmd: Cmd,
    pub scope: Scope,
    pub help: &'static str,
}

macro_rules! b {
    ($scope:ident, $label:literal, [$($k:expr),*], $cmd:expr, $help:literal) => {
        Binding { keys: &[$($k),*], label: $label, cmd: $cmd, scope: Scope::$scope, help: $help }
    };
}

pub static KEYS: &[Binding] = &[
    b!(
        Logs,
        "Esc / l",
        [code(KeyCode::Esc), ch('l')],
        Cmd::Back,
        "close the log pane"
    ),
    b!(
        Logs,
        "f",
        [ch('f')],
        Cmd::LogFollow,
        "follow new lines on/off"
    ),
    b!(
        Logs,
        "p",
        [ch('p')],
        Cmd::LogPrevious,
        "the previous (restarted) container's log / the current one"
    ),
    b!(
        Logs,
        "/",
        [ch('/')],
        Cmd::Search,
        "search the log (Enter keeps it, Esc clears it)"
    ),
    b!(Logs, "n", [ch('n')], Cmd::SearchNext, "next match"),
    b!(Logs, "N", [ch('N')], Cmd::SearchPrev, "previous match"),
    b!(
        Tour,
        "Space",
        [ch(' ')],
        Cmd::TourNext,
        "next stop of the tour"
    ),
    b!(
        Tour,
        "Esc",
        [code(KeyCode::Esc)],
        Cmd::Back,
        "leave the tour, keep exploring"
    ),
    b!(
        Detail,
        "Tab",
        [code(KeyCode::Tab)],
        Cmd::FocusPane,
        "switch between YAML and findings/related"
    ),
    b!(
        Detail,
        "y",
        [ch('y')],
        Cmd::ToggleYaml,
        "YAML only / YAML with findings and relations"
    ),
    b!(
        Detail,
        "/",
        [ch('/')],
        Cmd::Search,
        "search the YAML (Enter keeps it, Esc clears it)"
    ),
    b!(
        Detail,
        "n",
        [ch('n')],
        Cmd::SearchNext,
        "next match of the search (without one: the row's namespace)"
    ),
    b!(
        Detail,
        "N",
        [ch('N')],
        Cmd::SearchPrev,
        "previous match of the search"
    ),
    b!(
        Findings,
        "o",
        [ch('o')],
        Cmd::GroupToggle,
        "group by rule / by object"
    ),
    b!(
        Findings,
        "e",
        [ch('e')],
        Cmd::SeverityCycle,
        "severity filter: all, warning+, error"
    ),
    b!(
        Findings,
        "a",
        [ch('a')],
        Cmd::AreaCycle,
        "area filter: all, tenancy, performance, …"
    ),
    b!(
        Global,
        "1-9",
        [
            ch('1'),
            ch('2'),
            ch('3'),
            ch('4'),
            ch('5'),
            ch('6'),
            ch('7'),
            ch('8'),
            ch('9')
        ],
        Cmd::Tab(0),
        "go to tab 1-9"
    ),
    b!(
        Global,
        "Tab / S-Tab",
        [code(KeyCode::Tab)],
        Cmd::NextTab,
        "next tab"
    ),
    b!(
        Global,
        "",
        [code(KeyCode::BackTab)],
        Cmd::PrevTab,
        "previous tab"
    ),
    b!(
        Global,
        ":",
        [ch(':')],
        Cmd::CommandMode,
        "command mode (Tab completes; :help lists commands)"
    ),
    b!(
        Global,
        "/",
        [ch('/')],
        Cmd::FilterMode,
        "filter rows (substring; regex with re: or ^$*+?()[]{}|\\)"
    ),
    b!(
        Global,
        "j / ↓",
        [ch('j'), code(KeyCode::Down)],
        Cmd::Down,
        "down"
    ),
    b!(Global, "k / ↑", [ch('k'), code(KeyCode::Up)], Cmd::Up, "up"),
    b!(
        Global,
        "g / Home",
        [ch('g'), code(KeyCode::Home)],
        Cmd::Top,
        "first row"
    ),
    b!(
        Global,
        "G / End",
        [ch('G'), code(KeyCode::End)],
        Cmd::Bottom,
        "last row"
    ),
    b!(
        Global,
        "PgUp / C-b",
        [code(KeyCode::PageUp), ctrl('b'), ctrl('u')],
        Cmd::PageUp,
        "page up"
    ),
    b!(
        Global,
        "PgDn / C-f",
        [code(KeyCode::PageDown), ctrl('f'), ctrl('d')],
        Cmd::PageDown,
        "page down"
    ),
    b!(
        Global,
        "Enter",
        [code(KeyCode::Enter)],
        Cmd::Enter,
        "drill in (class → gateways → listeners → routes; fleet → pods; finding → detail)"
    ),
    b!(
        Global,
        "Esc",
        [code(KeyCode::Esc)],
        Cmd::Back,
        "clear the filter, else back along the breadcrumb"
    ),
    b!(
        Global,
        "y",
        [ch('y')],
        Cmd::ToggleYaml,
        "YAML of the selected object"
    ),
    b!(
        Global,
        "s",
        [ch('s')],
        Cmd::SortNext,
        "sort by the next column"
    ),
    b!(Global, "S", [ch('S')], Cmd::SortReverse, "reverse the sort"),
    b!(
        Global,
        "n",
        [ch('n')],
        Cmd::RowNamespace,
        "only the selected row's namespace"
    ),
    b!(Global, "A", [ch('A')], Cmd::AllNamespaces, "all namespaces"),
    b!(
        Global,
        "p",
        [ch('p')],
        Cmd::Pods,
        "pods of the selected fleet (Enter opens its Gateways)"
    ),
    b!(
        Global,
        "c",
        [ch('c')],
        Cmd::Copy,
        "copy namespace/name of the selected object (OSC 52, as shown)"
    ),
    b!(
        Global,
        "C",
        [ch('C')],
        Cmd::CopyKubectl,
        "copy a `kubectl get KIND -n NS NAME` command for it (OSC 52)"
    ),
    b!(
        Global,
        "l",
        [ch('l')],
        Cmd::Logs,
        "log of the selected pod (a fleet: its first running pod; a tenant: its controller's pod)"
    ),
    b!(Global, "?", [ch('?')], Cmd::Help, "this help"),
    b!(Global, "q / C-c", [ch('q'), ctrl('c')], Cmd::Quit, "quit"),
];

impl KeySpec {
    fn matches(&self, ev: &KeyEvent) -> bool {
        let ev_ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if ev_ctrl != self.ctrl {
            return false;
        }
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        }
    }
}

/// The command a key means in `scopes` (most specific first).
pub fn lookup(ev: &KeyEvent, scopes: &[Scope]) -> Option<Cmd> {
    for scope in scopes {
        for b in KEYS.iter().filter(|b| b.scope == *scope) {
            if let Some(spec) = b.keys.iter().find(|k| k.matches(ev)) {
                return Some(match (b.cmd, spec.code) {
                    (Cmd::Tab(_), KeyCode::Char(c)) => Cmd::Tab(c as u8 - b'0'),
                    (cmd, _) => cmd,
                });
            }
        }
    }
    None
}

/// The help page: one section per scope, generated from [`KEYS`].
pub fn help_lines() -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    let mut out = Vec::new();
    for scope in [
        Scope::Global,
        Scope::Findings,
        Scope::Detail,
        Scope::Logs,
        Scope::Tour,
    ] {
        let entries: Vec<_> = KEYS
            .iter()
            .filter(|b| b.scope == scope && !b.label.is_empty())
            .map(|b| (b.label, b.help))
            .collect();
        out.push((scope.title().to_string(), entries));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn scopes_shadow_global_keys() {
        let tab = key(KeyCode::Tab);
        assert_eq!(lookup(&tab, &[Scope::Global]), Some(Cmd::NextTab));
        assert_eq!(
            lookup(&tab, &[Scope::Detail, Scope::Global]),
            Some(Cmd::FocusPane)
        );
        assert_eq!(
            lookup(&key(KeyCode::Char('4')), &[Scope::Global]),
            Some(Cmd::Tab(4))
        );
        let shift_s = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(lookup(&shift_s, &[Scope::Global]), Some(Cmd::SortReverse));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(&ctrl_c, &[Scope::Global]), Some(Cmd::Quit));
        assert_eq!(
            lookup(&key(KeyCode::Char('c')), &[Scope::Global]),
            Some(Cmd::Copy)
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for a in KEYS {
            for b in KEYS {
                if std::ptr::eq(a, b) || a.scope != b.scope {
                    continue;
                }
                for k in a.keys {
                    assert!(!b.keys.contains(k), "{:?} bound twice in {:?}", k, a.scope);
                }
            }
        }
    }
}
