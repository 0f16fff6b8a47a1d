//! Semantic colour roles. Views never name a colour: they ask the theme for
//! a role (`error`, `selection`, …). Themes are TOML files (`themes/*.toml`,
//! embedded at build time); a user theme overrides roles partially.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

const DEFAULT: &str = include_str!("../../themes/default.toml");
const LIGHT: &str = include_str!("../../themes/light.toml");
const HIGH_CONTRAST: &str = include_str!("../../themes/high-contrast.toml");
const MONO: &str = include_str!("../../themes/mono.toml");

/// The built-in themes by name.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", DEFAULT),
    ("light", LIGHT),
    ("high-contrast", HIGH_CONTRAST),
    ("mono", MONO),
];

macro_rules! roles {
    ($($role:ident),* $(,)?) => {
        /// One style per semantic role.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $role: Style,)*
        }

        impl Theme {
            fn blank(name: &str) -> Theme {
                Theme { name: name.to_string(), $($role: Style::default(),)* }
            }

            fn set_role(&mut self, role: &str, style: Style) -> bool {
                match role {
                    $(stringify!($role) => { self.$role = style; true })*
                    _ => false,
                }
            }

            /// Every role name, for docs and error messages.
            pub const ROLES: &'static [&'static str] = &[$(stringify!($role)),*];
        }
    };
}

roles!(
    fg, bg, dim, accent, header, tab, tab_active, selection, border, title, error, warning, info,
    ok, suppressed, highlight, key, prompt, status, caption, yaml_key, yaml_value,
);

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin("default").expect("the default theme parses")
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        let mut t = Theme::blank(name);
        t.apply_toml(text).ok()?;
        Some(t)
    }

    /// Resolves `--theme NAME|PATH`, the user's override file and NO_COLOR:
    /// NO_COLOR forces `mono` whatever else is asked; otherwise the named
    /// (or file) theme, then the roles the user file sets on top.
    pub fn resolve(
        arg: Option<&str>,
        user_file: Option<&Path>,
        no_color: bool,
    ) -> Result<Theme, String> {
        if no_color {
            return Ok(Theme::builtin("mono").expect("mono parses"));
        }
        let mut theme = match arg {
            None => Theme::default(),
            Some(name) => match Theme::builtin(name) {
                Some(t) => t,
                None => {
                    let path = Path::new(name);
                    if !path.exists() {
                        return Err(format!(
                            "--theme {name:?} is neither a built-in theme ({}) nor a file",
                            BUILTIN.map(|b| b.0).join(", ")
                        ));
                    }
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read theme {}: {e}", path.display()))?;
                    // A file theme starts from the default, so it may be partial.
                    let mut t = Theme {
                        name: path.display().to_string(),
                        ..Theme::default()
                    };
                    t.apply_toml(&text)
                        .map_err(|e| format!("theme {}: {e}", path.display()))?;
                    t
                }
            },
        };
        if let Some(path) = user_file.filter(|p| p.exists()) {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read theme {}: {e}", path.display()))?;
            theme
                .apply_toml(&text)
                .map_err(|e| format!("theme {}: {e}", path.display()))?;
        }
        Ok(theme)
    }

    /// Applies the `[roles]` of a theme file over this theme (roles the file
    /// does not name keep their style).
    pub fn apply_toml(&mut self, text: &str) -> Result<(), String> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let Some(roles) = doc.get("roles") else {
            return Ok(());
        };
        let roles = roles.as_table().ok_or("`roles` must be a table")?;
        for (role, spec) in roles {
            let style = parse_style(spec).map_err(|e| format!("role {role}: {e}"))?;
            if !self.set_role(role, style) {
                return Err(format!(
                    "unknown role {role:?}; roles are: {}",
                    Theme::ROLES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The style of a finding severity.
    pub fn severity(&self, sev: crate::audit::Severity) -> Style {
        match sev {
            crate::audit::Severity::Error => self.error,
            crate::audit::Severity::Warning => self.warning,
            crate::audit::Severity::Info => self.info,
        }
    }
}

fn parse_color(s: &str) -> Result<Color, String> {
    if let Ok(n) = s.parse::<u8>() {
        return Ok(Color::Indexed(n));
    }
    Color::from_str(s).map_err(|_| format!("{s:?} is not a colour"))
}

fn parse_style(spec: &toml::Value) -> Result<Style, String> {
    let mut style = Style::default();
    if let Some(s) = spec.as_str() {
        return Ok(style.fg(parse_color(s)?));
    }
    let table = spec
        .as_table()
        .ok_or("a role is a colour name or a table")?;
    for (k, v) in table {
        match k.as_str() {
            "fg" => style = style.fg(parse_color(v.as_str().ok_or("fg must be a string")?)?),
            "bg" => style = style.bg(parse_color(v.as_str().ok_or("bg must be a string")?)?),
            m => {
                let modifier = match m {
                    "bold" => Modifier::BOLD,
                    "dim" => Modifier::DIM,
                    "italic" => Modifier::ITALIC,
                    "underline" => Modifier::UNDERLINED,
                    "reversed" => Modifier::REVERSED,
                    _ => return Err(format!("unknown key {m:?}")),
                };
                if v.as_bool()
                    .ok_or_else(|| format!("{m} must be true or false"))?
                {
                    style = style.add_modifier(modifier);
                }
            }
        }
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_sets_every_role() {
        for (name, text) in BUILTIN {
            let doc: toml::Table = text.parse().unwrap();
            let roles = doc["roles"].as_table().unwrap();
            for role in Theme::ROLES {
                assert!(roles.contains_key(*role), "{name} lacks {role}");
            }
            assert!(Theme::builtin(name).is_some(), "{name}");
        }
    }

    #[test]
    fn default_uses_named_ansi_colours_only() {
        let doc: toml::Table = DEFAULT.parse().unwrap();
        for (role, spec) in doc["roles"].as_table().unwrap() {
            for key in ["fg", "bg"] {
                if let Some(c) = spec.get(key).and_then(|v| v.as_str()) {
                    assert!(
                        !c.starts_with('#') && c.parse::<u8>().is_err(),
                        "{role}.{key} = {c}"
                    );
                }
            }
        }
    }

    #[test]
    fn user_file_overrides_partially_and_no_color_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("theme.toml");
        std::fs::write(&path, "[roles]\nerror = \"magenta\"\n").unwrap();
        let t = Theme::resolve(None, Some(&path), false).unwrap();
        assert_eq!(t.error, Style::default().fg(Color::Magenta));
        assert_eq!(t.warning, Theme::default().warning);
        let mono = Theme::resolve(Some("light"), Some(&path), true).unwrap();
        assert_eq!(mono.name, "mono");
        assert!(Theme::resolve(Some("nope"), None, false).is_err());
        std::fs::write(&path, "[roles]\nnot_a_role = \"red\"\n").unwrap();
        assert!(Theme::resolve(None, Some(&path), false).is_err());
    }
}
