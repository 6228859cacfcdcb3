//! Recorded answers: the consent written only once its record is durable.

use super::{ConsentAnswer, ConsentPost};
use crate::consent::ConsentChoice;
use crate::policy::Policy;
use crate::records::{
    forwarded_ip, recorded_at_text, truncated_ip, user_agent, ConsentRecord, Recording,
};

impl Policy {
    /// [`answer_consent_post`](Self::answer_consent_post), recording the
    /// answer in `recording`'s store first: the answer leaves only once
    /// its record is durable. When the store fails, or the system has no
    /// randomness for a new consent id, the answer is
    /// [`ConsentAnswer::Unavailable`] and no consent is written; the cause is
    /// logged at most once a minute. Refusals (403, 400) are not recorded:
    /// nothing was consented.
    pub async fn answer_consent_post_recorded(
        &self,
        post: &ConsentPost<'_>,
        recording: &Recording,
    ) -> ConsentAnswer {
        let prepared = match self.prepare_answer(post) {
            Ok(prepared) => prepared,
            Err(refusal) => return refusal,
        };
        let Some(id) = prepared.id else {
            recording.log_failure(
                &"the system has no randomness for a consent id",
                prepared.at.unix_timestamp(),
            );
            return ConsentAnswer::Unavailable;
        };
        // A record that could not hold the revision would be no proof: refuse, as for a failing store.
        let Ok(revision) = i64::try_from(self.revision()) else {
            recording.log_failure(
                &"the policy's revision exceeds what a record holds (i64)",
                prepared.at.unix_timestamp(),
            );
            return ConsentAnswer::Unavailable;
        };
        let ip = recording
            .forwarded_header()
            .zip(post.forwarded)
            .and_then(|(name, value)| forwarded_ip(name, value))
            .or(post.peer)
            .map(truncated_ip)
            .unwrap_or_default();
        let record = ConsentRecord {
            id: id.to_string(),
            recorded_at: recorded_at_text(prepared.at),
            action: prepared.choice.action().to_owned(),
            granted: self.granted_by(&prepared.choice),
            revision,
            policy_digest: self.digest().to_owned(),
            user_agent: user_agent(post.user_agent),
            ip,
            scripted: prepared.scripted,
        };
        match recording.store().insert(record).await {
            Ok(()) => prepared.answer,
            Err(error) => {
                recording.log_failure(&error, prepared.at.unix_timestamp());
                ConsentAnswer::Unavailable
            }
        }
    }

    /// The category ids `choice` leaves granted, in policy order,
    /// comma-joined; empty for a reset, which leaves no consent.
    fn granted_by(&self, choice: &ConsentChoice) -> String {
        let ids: Vec<&str> = self
            .categories()
            .iter()
            .enumerate()
            .filter(|(index, category)| choice.grants(*index, &category.id))
            .map(|(_, category)| category.id.as_str())
            .collect();
        ids.join(",")
    }
}
