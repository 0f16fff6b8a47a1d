//! Everything that can change the UI state arrives as one of these, on one
//! channel: input, ticks, new store snapshots and metric samples.

use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::metrics::MetricsSnapshot;
use crate::store::Store;

use super::status::SourceStatus;

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The slow clock (1 s): ages, freshness, sparklines.
    Tick(jiff::Timestamp),
    StoreUpdated(Arc<Store>),
    MetricsUpdated(Arc<MetricsSnapshot>),
    /// Model and audit already derived off the UI thread (live sources),
    /// so a large cluster's rebuild never blocks a keypress.
    DataUpdated(Arc<super::data::Data>),
    /// The freshness of the data feeds changed (live source).
    SourceStatus(SourceStatus),
    /// A short message for the status line (e.g. a context switch failed).
    Flash(String),
    /// A pod log read answered (the log pane).
    Logs(super::vm::logs::LogReply),
    /// A `:` command, as typed after the colon.
    Command(String),
    Quit,
}

/// What the loop must do after `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing visible changed: do not redraw.
    None,
    Render,
    /// Redraw and put this text on the clipboard (OSC 52).
    Copy(String),
    Quit,
}

impl Effect {
    pub fn changed(&self) -> bool {
        !matches!(self, Effect::None)
    }

    /// Combines the effects of several actions handled before one frame.
    pub fn merge(self, other: Effect) -> Effect {
        match (self, other) {
            (Effect::Quit, _) | (_, Effect::Quit) => Effect::Quit,
            (Effect::Copy(s), _) | (_, Effect::Copy(s)) => Effect::Copy(s),
            (Effect::Render, _) | (_, Effect::Render) => Effect::Render,
            _ => Effect::None,
        }
    }
}
