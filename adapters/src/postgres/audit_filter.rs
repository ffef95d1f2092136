//! The `WHERE` clause of a read of the audit log: one condition per filter given (and none
//! for a filter not given), so each combination is its own prepared statement whose plan
//! can use the index that fits it (V6, V17).

use tessera_domain::{AuditActor, AuditQuery};
use tokio_postgres::types::ToSql;

/// An actor named by email: the account that has it now.
const BY_EMAIL: &str = "actor_user_id = (SELECT id FROM users WHERE email_normalized = $1)";
/// An app: the app or client itself, its secrets, and what the client did itself.
const BY_APP: &str = "((target_type IN ('app', 'client') AND target_id = $1)
    OR details ->> 'app_id' = $1 OR actor = $2)";

/// The conditions of a query and the values of their parameters, numbered from `$1`.
#[derive(Debug, Default)]
pub(crate) struct AuditFilter {
    conditions: Vec<String>,
    values: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl AuditFilter {
    /// The conditions of every filter `query` gives.
    pub(crate) fn of(query: &AuditQuery) -> Self {
        let mut filter = Self::default();
        match query.actor() {
            Some(AuditActor::Person(id)) => {
                filter.add("actor_user_id = $1", vec![Box::new(id.as_uuid())])
            }
            Some(AuditActor::Email(email)) => {
                filter.add(BY_EMAIL, vec![Box::new(email.normalized())])
            }
            Some(AuditActor::Name(name)) => filter.add("actor = $1", vec![Box::new(name.clone())]),
            None => {}
        }
        if let Some(action) = query.action() {
            filter.add("action = $1", vec![Box::new(action.to_owned())]);
        }
        if let Some(app) = query.app() {
            filter.add(
                BY_APP,
                vec![Box::new(app.to_owned()), Box::new(format!("client {app}"))],
            );
        }
        if let Some(from) = query.from() {
            filter.add("occurred_at >= $1", vec![Box::new(from.start())]);
        }
        if let Some(to) = query.to() {
            filter.add("occurred_at < $1", vec![Box::new(to.end())]);
        }
        filter
    }

    /// Adds `condition`, whose `$1`, `$2`… are `values`, renumbered after those before it.
    fn add(&mut self, condition: &str, values: Vec<Box<dyn ToSql + Sync + Send>>) {
        let mut renumbered = condition.to_owned();
        // Highest first, so `$1` is not rewritten inside `$12`.
        for n in (1..=values.len()).rev() {
            renumbered =
                renumbered.replace(&format!("${n}"), &format!("${}", self.values.len() + n));
        }
        self.conditions.push(renumbered);
        self.values.extend(values);
    }

    /// `WHERE …`, or nothing when no filter was given.
    pub(crate) fn clause(&self) -> String {
        match self.conditions.is_empty() {
            true => String::new(),
            false => format!("WHERE {}", self.conditions.join(" AND ")),
        }
    }

    /// The number the next parameter after these takes.
    pub(crate) fn next_param(&self) -> usize {
        self.values.len() + 1
    }

    /// The parameters, in order, followed by `more`.
    pub(crate) fn params<'a>(
        &'a self,
        more: &[&'a (dyn ToSql + Sync)],
    ) -> Vec<&'a (dyn ToSql + Sync)> {
        self.values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .chain(more.iter().copied())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::AuditQueryText;

    #[test]
    fn each_filter_given_adds_one_condition_numbered_after_the_others() {
        let query = AuditQuery::parse(AuditQueryText {
            actor: Some("bob@example.com"),
            action: Some("create"),
            app: Some("abc"),
            to: Some("2026-01-31"),
            ..Default::default()
        })
        .unwrap();
        let filter = AuditFilter::of(&query);
        let clause = filter.clause();
        assert!(clause.contains("email_normalized = $1)"), "{clause}");
        assert!(clause.contains("action = $2"), "{clause}");
        assert!(clause.contains("target_id = $3)"), "{clause}");
        assert!(clause.contains("'app_id' = $3 OR actor = $4)"), "{clause}");
        assert!(clause.contains("occurred_at < $5"), "{clause}");
        assert_eq!(filter.next_param(), 6);
        assert_eq!(filter.params(&[&1_i64]).len(), 6);
    }

    #[test]
    fn no_filter_is_no_where_clause() {
        let filter = AuditFilter::of(&AuditQuery::all());
        assert_eq!(filter.clause(), "");
        assert_eq!(filter.next_param(), 1);
    }
}
