//! Colour themes. `NO_COLOR` turns colour off; selection and verdicts then
//! stand out by modifiers and glyphs alone.

use ratatui::style::{Color, Modifier, Style};

use crate::trace::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Dark,
    Light,
    HighContrast,
}

impl ThemeName {
    pub fn parse(s: &str) -> Option<ThemeName> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dark" => Some(ThemeName::Dark),
            "light" => Some(ThemeName::Light),
            "high-contrast" | "high_contrast" | "contrast" => Some(ThemeName::HighContrast),
            _ => None,
        }
    }
    pub fn next(self) -> ThemeName {
        match self {
            ThemeName::Dark => ThemeName::Light,
            ThemeName::Light => ThemeName::HighContrast,
            ThemeName::HighContrast => ThemeName::Dark,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::HighContrast => "high-contrast",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub name: ThemeName,
    pub color: bool,
    pub allow: Style,
    pub deny: Style,
    pub unknown: Style,
    pub skip: Style,
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub header: Style,
    pub selected: Style,
    pub border: Style,
    pub border_focus: Style,
    pub flash_error: Style,
}

impl Theme {
    pub fn new(name: ThemeName, color: bool) -> Theme {
        if !color {
            let plain = Style::new();
            return Theme {
                name,
                color,
                allow: plain,
                deny: plain.add_modifier(Modifier::BOLD),
                unknown: plain.add_modifier(Modifier::UNDERLINED),
                skip: plain.add_modifier(Modifier::DIM),
                text: plain,
                dim: plain.add_modifier(Modifier::DIM),
                accent: plain.add_modifier(Modifier::BOLD),
                header: plain.add_modifier(Modifier::REVERSED),
                selected: plain.add_modifier(Modifier::REVERSED),
                border: plain,
                border_focus: plain.add_modifier(Modifier::BOLD),
                flash_error: plain.add_modifier(Modifier::BOLD),
            };
        }
        match name {
            ThemeName::Dark => Theme {
                name,
                color,
                allow: Style::new().fg(Color::Green),
                deny: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                unknown: Style::new().fg(Color::Yellow),
                skip: Style::new().fg(Color::DarkGray),
                text: Style::new().fg(Color::Gray),
                dim: Style::new().fg(Color::DarkGray),
                accent: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                header: Style::new().fg(Color::Black).bg(Color::Cyan),
                selected: Style::new()
                    .bg(Color::Rgb(40, 60, 90))
                    .add_modifier(Modifier::BOLD),
                border: Style::new().fg(Color::DarkGray),
                border_focus: Style::new().fg(Color::Cyan),
                flash_error: Style::new().fg(Color::White).bg(Color::Red),
            },
            ThemeName::Light => Theme {
                name,
                color,
                allow: Style::new().fg(Color::Rgb(0, 120, 0)),
                deny: Style::new()
                    .fg(Color::Rgb(190, 0, 0))
                    .add_modifier(Modifier::BOLD),
                unknown: Style::new().fg(Color::Rgb(150, 100, 0)),
                skip: Style::new().fg(Color::Rgb(130, 130, 130)),
                text: Style::new().fg(Color::Black),
                dim: Style::new().fg(Color::Rgb(110, 110, 110)),
                accent: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
                header: Style::new().fg(Color::White).bg(Color::Blue),
                selected: Style::new()
                    .bg(Color::Rgb(200, 220, 250))
                    .add_modifier(Modifier::BOLD),
                border: Style::new().fg(Color::Rgb(150, 150, 150)),
                border_focus: Style::new().fg(Color::Blue),
                flash_error: Style::new().fg(Color::White).bg(Color::Rgb(190, 0, 0)),
            },
            ThemeName::HighContrast => Theme {
                name,
                color,
                allow: Style::new()
                    .fg(Color::LightGreen)
                    .add_modifier(Modifier::BOLD),
                deny: Style::new()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                unknown: Style::new()
                    .fg(Color::LightYellow)
                    .add_modifier(Modifier::BOLD),
                skip: Style::new().fg(Color::White),
                text: Style::new().fg(Color::White),
                dim: Style::new().fg(Color::White),
                accent: Style::new()
                    .fg(Color::LightCyan)
                    .add_modifier(Modifier::BOLD),
                header: Style::new().fg(Color::Black).bg(Color::White),
                selected: Style::new().fg(Color::Black).bg(Color::LightYellow),
                border: Style::new().fg(Color::White),
                border_focus: Style::new()
                    .fg(Color::LightYellow)
                    .add_modifier(Modifier::BOLD),
                flash_error: Style::new().fg(Color::Black).bg(Color::LightRed),
            },
        }
    }

    pub fn verdict(&self, v: Verdict) -> Style {
        match v {
            Verdict::Allow => self.allow,
            Verdict::Deny => self.deny,
            Verdict::Unknown => self.unknown,
            Verdict::Skip => self.skip,
        }
    }
}
