//! `[consent_mode]` (Google Consent Mode v2): the table as written, and
//! validated against the policy's categories into, per consent type, the
//! categories that grant it. `render::consent_mode` writes the page's call.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::PolicyError;

/// Google's consent types, in the order the call lists them.
pub(crate) const TYPES: [&str; 7] = [
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
];

/// `security_storage`: security, always granted (it is essential).
pub(crate) const SECURITY: usize = 6;

/// Which types a category grants when `[consent_mode]` does not say.
const DEFAULTS: [(&str, &[&str]); 3] = [
    ("analytics", &["analytics_storage"]),
    (
        "marketing",
        &["ad_storage", "ad_user_data", "ad_personalization"],
    ),
    (
        "functional",
        &["functionality_storage", "personalization_storage"],
    ),
];

/// `[consent_mode]` as written: settings, and category id → the types it grants.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct ConsentModeConfig {
    /// Milliseconds Google tags wait for an update; default 500.
    #[serde(default)]
    pub(crate) wait_for_update: Option<u32>,
    #[serde(default)]
    pub(crate) ads_data_redaction: bool,
    #[serde(default)]
    pub(crate) url_passthrough: bool,
    /// Every other key: a category id and the types it grants.
    #[serde(flatten)]
    pub(crate) grants: BTreeMap<String, Vec<String>>,
}

/// `[consent_mode]` validated: for each type, the categories that grant it.
#[derive(Clone, Debug)]
pub(crate) struct ConsentMode {
    /// Per type of [`TYPES`], the category indices that list it.
    pub(crate) granted_by: [Vec<usize>; 7],
    pub(crate) wait_for_update: u32,
    pub(crate) ads_data_redaction: bool,
    pub(crate) url_passthrough: bool,
}

impl ConsentMode {
    /// Validates `config` against the policy's category ids; an error names the
    /// field (`consent_mode.ID`) and, through `line`, the line of its key.
    pub(crate) fn compile(
        config: &ConsentModeConfig,
        category_ids: &[&str],
        line: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<ConsentMode, PolicyError> {
        let mut lists: BTreeMap<&str, Vec<&str>> = DEFAULTS
            .iter()
            .filter(|(id, _)| category_ids.contains(id))
            .map(|&(id, types)| (id, types.to_vec()))
            .collect();
        for (id, types) in &config.grants {
            let field = format!("consent_mode.{id}");
            if !category_ids.contains(&id.as_str()) {
                let message = format!(
                    "unknown category `{id}` (categories: {})",
                    category_ids.join(", ")
                );
                return Err(PolicyError::new(field, message).at_line(line(id)));
            }
            if let Some(unknown) = types.iter().find(|t| !TYPES.contains(&t.as_str())) {
                let message = format!(
                    "unknown consent type `{unknown}` (types: {})",
                    TYPES.join(", ")
                );
                return Err(PolicyError::new(field, message).at_line(line(id)));
            }
            lists.insert(id, types.iter().map(String::as_str).collect());
        }
        let mut granted_by: [Vec<usize>; 7] = Default::default();
        for (id, types) in lists {
            let index = category_ids.iter().position(|c| *c == id).unwrap_or(0);
            for kind in types {
                if let Some(t) = TYPES.iter().position(|known| *known == kind) {
                    granted_by[t].push(index);
                }
            }
        }
        Ok(ConsentMode {
            granted_by,
            wait_for_update: config.wait_for_update.unwrap_or(500),
            ads_data_redaction: config.ads_data_redaction,
            url_passthrough: config.url_passthrough,
        })
    }
}
