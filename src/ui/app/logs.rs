//! `update` for the log pane: opening it on a row, its keys, follow
//! polling on the tick, and the session's answers. Reads go out through
//! `App::log_request`, which the loop hands to the session (a GET of
//! `pods/log`; the UI has no client of its own).

use crossterm::event::KeyEvent;

use super::super::action::Effect;
use super::super::keys::{self, Cmd, Scope};
use super::super::layout::body_rect;
use super::super::state::{App, Mode};
use super::super::vm::logs::{FOLLOW_EVERY, LogFailure, LogPane, LogReply, target_or_why};

/// Lines of log the pane shows (the body less its border and header).
pub fn pane_height(app: &App) -> usize {
    body_rect(app.size).height.saturating_sub(3).max(1) as usize
}

fn request(app: &mut App) {
    if !app.logs_live {
        return;
    }
    if let Some(p) = &mut app.logs {
        p.pending = true;
        p.idle_ticks = 0;
        app.log_request = Some(p.target.clone());
    }
}

/// `l`: the log of the selected row's pod (a tenant's: its controller's).
pub fn open(app: &mut App) -> Effect {
    let target = match (app.data.as_ref(), app.top().table.selected_row()) {
        (Some(d), Some(row)) => target_or_why(d, &row.key),
        _ => Err("l shows a pod's log: select a pod (Pods view), a fleet or a tenant".into()),
    };
    let target = match target {
        Ok(t) => t,
        Err(why) => {
            app.flash = Some(why);
            return Effect::Render;
        }
    };
    let mut pane = LogPane::new(target);
    if !app.logs_live {
        pane.unavailable = Some(
            "pod logs need a live cluster (egscope or egscope demo); a snapshot holds no logs"
                .into(),
        );
    }
    app.logs = Some(pane);
    request(app);
    Effect::Render
}

/// The slow tick: a following pane reads again every few seconds.
pub fn on_tick(app: &mut App) {
    let Some(p) = &mut app.logs else {
        return;
    };
    if !p.follow || p.pending || p.unavailable.is_some() {
        return;
    }
    if matches!(p.error, Some(LogFailure::Forbidden(_))) {
        return;
    }
    p.idle_ticks += 1;
    if p.idle_ticks >= FOLLOW_EVERY {
        request(app);
    }
}

/// A read came back. One for a container the pane no longer shows (the
/// user toggled `p` meanwhile) is dropped.
pub fn on_reply(app: &mut App, reply: LogReply) -> Effect {
    let Some(p) = &mut app.logs else {
        return Effect::None;
    };
    if p.target != reply.target {
        return Effect::None;
    }
    p.pending = false;
    match reply.result {
        Ok(lines) => {
            let first = p.lines.is_empty();
            p.error = None;
            let added = p.merge(lines);
            if added == 0 && !first {
                return Effect::None;
            }
        }
        Err(e) => {
            // Forbidden does not change by asking again: stop polling.
            if matches!(e, LogFailure::Forbidden(_)) {
                p.follow = false;
            }
            if p.error.as_ref() == Some(&e) {
                return Effect::None;
            }
            p.error = Some(e);
        }
    }
    Effect::Render
}

/// Keys while the pane is open (normal mode).
pub fn on_key(app: &mut App, key: KeyEvent) -> Effect {
    let h = pane_height(app);
    let Some(cmd) = keys::lookup(&key, &[Scope::Logs, Scope::Global]) else {
        return Effect::None;
    };
    let Some(p) = &mut app.logs else {
        return Effect::None;
    };
    match cmd {
        Cmd::Quit => return Effect::Quit,
        Cmd::Help => app.mode = Mode::Help { scroll: 0 },
        Cmd::Back => {
            app.logs = None;
            app.log_request = None;
        }
        Cmd::Up => p.scroll_by(-1, h),
        Cmd::Down => p.scroll_by(1, h),
        Cmd::PageUp => p.scroll_by(-(h as isize), h),
        Cmd::PageDown => p.scroll_by(h as isize, h),
        Cmd::Top => p.scroll_by(isize::MIN / 2, h),
        Cmd::Bottom => p.scroll_by(isize::MAX / 2, h),
        Cmd::Search => {
            p.search.clear();
            p.hit = None;
            app.mode = Mode::Search;
        }
        Cmd::SearchNext | Cmd::SearchPrev => {
            let back = cmd == Cmd::SearchPrev;
            let from = match (p.hit, back) {
                (Some(i), false) => i + 1,
                (Some(i), true) => i.checked_sub(1).unwrap_or(usize::MAX),
                (None, _) => p.top(h),
            };
            p.find(from, back, h);
        }
        Cmd::LogFollow => {
            p.follow = !p.follow;
            if p.follow {
                p.scroll = usize::MAX;
                if !p.pending {
                    request(app);
                }
            }
        }
        Cmd::LogPrevious => {
            let mut target = p.target.clone();
            target.previous = !target.previous;
            let unavailable = p.unavailable.clone();
            let mut next = LogPane::new(target);
            next.unavailable = unavailable;
            // A crashed container's log does not grow.
            next.follow = !next.target.previous;
            app.logs = Some(next);
            request(app);
        }
        _ => return Effect::None,
    }
    Effect::Render
}

/// `/` typing in the pane: every key goes to the search text.
pub fn on_search_key(app: &mut App, key: KeyEvent) -> Effect {
    let h = pane_height(app);
    let Some(p) = &mut app.logs else {
        app.mode = Mode::Normal;
        return Effect::Render;
    };
    match super::edit_search(&mut p.search, &mut p.hit, key) {
        super::SearchEdit::Changed => {}
        super::SearchEdit::Leave => {
            app.mode = Mode::Normal;
            return Effect::Render;
        }
        super::SearchEdit::Quit => return Effect::Quit,
        super::SearchEdit::Ignored => return Effect::None,
    }
    let from = p.hit.unwrap_or_else(|| p.top(h));
    p.find(from, false, h);
    Effect::Render
}
