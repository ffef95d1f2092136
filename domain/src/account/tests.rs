use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::{Email, Username};

fn account(n: u128, admin: bool, status: AccountStatus) -> Account {
    Account {
        user: User {
            id: UserId::new(Uuid::from_u128(n)),
            email: Email::parse(&format!("p{n}@example.com")).unwrap(),
            username: Username::parse(&format!("p{n}")).unwrap(),
            admin,
            created_at: OffsetDateTime::UNIX_EPOCH,
        },
        status,
    }
}

fn active_admin(n: u128) -> Account {
    account(n, true, AccountStatus::Active)
}

const SOMEONE_ELSE: Option<UserId> = Some(UserId::new(Uuid::from_u128(99)));

#[test]
fn the_last_active_admin_cannot_lose_the_role() {
    let last = active_admin(1);
    let refused = AccountChange::RemoveAdmin.decide(SOMEONE_ELSE, &last, 1);
    assert_eq!(refused, Err(AccountRefusal::LastAdmin));
    assert_eq!(
        AccountChange::RemoveAdmin.decide(None, &last, 1),
        Err(AccountRefusal::LastAdmin),
        "not even from the command line"
    );
}

#[test]
fn an_admin_loses_the_role_while_another_active_admin_remains() {
    let admin = active_admin(1);
    assert_eq!(
        AccountChange::RemoveAdmin.decide(Some(admin.user.id), &admin, 2),
        Ok(true),
        "demoting oneself is allowed when someone is left"
    );
}

#[test]
fn the_last_active_admin_cannot_be_suspended() {
    let last = active_admin(1);
    let refused = AccountChange::Suspend.decide(SOMEONE_ELSE, &last, 1);
    assert_eq!(refused, Err(AccountRefusal::LastAdmin));
    assert_eq!(
        AccountChange::Suspend.decide(SOMEONE_ELSE, &last, 2),
        Ok(true)
    );
}

#[test]
fn a_suspended_admin_is_not_counted_as_the_last_one() {
    let suspended = account(1, true, AccountStatus::Suspended);
    assert!(!suspended.is_active_admin());
    assert_eq!(
        AccountChange::RemoveAdmin.decide(SOMEONE_ELSE, &suspended, 1),
        Ok(true),
        "the one active admin is someone else"
    );
}

#[test]
fn nobody_suspends_their_own_account() {
    let member = account(1, false, AccountStatus::Active);
    let admin = active_admin(2);
    assert_eq!(
        AccountChange::Suspend.decide(Some(admin.user.id), &admin, 5),
        Err(AccountRefusal::OwnAccount)
    );
    assert_eq!(
        AccountChange::Suspend.decide(Some(admin.user.id), &member, 1),
        Ok(true)
    );
}

#[test]
fn a_change_to_what_the_account_already_is_changes_nothing() {
    let admin = active_admin(1);
    let member = account(2, false, AccountStatus::Active);
    let suspended = account(3, false, AccountStatus::Suspended);
    assert_eq!(AccountChange::GrantAdmin.decide(None, &admin, 1), Ok(false));
    assert_eq!(
        AccountChange::RemoveAdmin.decide(None, &member, 1),
        Ok(false)
    );
    assert_eq!(
        AccountChange::Suspend.decide(None, &suspended, 1),
        Ok(false)
    );
    assert_eq!(AccountChange::Unsuspend.decide(None, &member, 1), Ok(false));
    assert_eq!(
        AccountChange::Unsuspend.decide(None, &suspended, 1),
        Ok(true)
    );
    assert_eq!(AccountChange::GrantAdmin.decide(None, &member, 1), Ok(true));
}

#[test]
fn an_applied_change_shows_in_the_account() {
    let member = account(1, false, AccountStatus::Active);
    let promoted = AccountChange::GrantAdmin.applied_to(member.clone());
    assert!(promoted.is_active_admin());
    let suspended = AccountChange::Suspend.applied_to(promoted);
    assert_eq!(suspended.status, AccountStatus::Suspended);
    assert!(!suspended.is_active_admin());
    let back = AccountChange::Unsuspend.applied_to(suspended);
    assert_eq!(AccountChange::RemoveAdmin.applied_to(back), member);
}

#[test]
fn a_query_defaults_to_the_first_fifty_and_ignores_blank_text() {
    let query = AccountQuery::parse(Some("   "), None, None).unwrap();
    assert_eq!(query, AccountQuery::all());
    assert_eq!((query.limit(), query.offset(), query.text()), (50, 0, None));
}

#[test]
fn a_query_outside_its_bounds_is_refused() {
    assert_eq!(
        AccountQuery::parse(None, Some(0), None),
        Err(AccountQueryError::BadLimit)
    );
    assert_eq!(
        AccountQuery::parse(None, Some(101), None),
        Err(AccountQueryError::BadLimit)
    );
    assert_eq!(
        AccountQuery::parse(None, None, Some(-1)),
        Err(AccountQueryError::BadOffset)
    );
    let long = "x".repeat(101);
    assert_eq!(
        AccountQuery::parse(Some(&long), None, None),
        Err(AccountQueryError::TextTooLong)
    );
    assert!(AccountQuery::parse(Some(&long[1..]), Some(100), Some(0)).is_ok());
}

#[test]
fn search_text_matches_literally_even_with_like_wildcards() {
    let query = AccountQuery::parse(Some(" a_b%c\\ "), None, None).unwrap();
    assert_eq!(query.text(), Some("a_b%c\\"));
    assert_eq!(query.like_pattern().as_deref(), Some("%a\\_b\\%c\\\\%"));
    assert_eq!(AccountQuery::all().like_pattern(), None);
}

#[test]
fn pages_link_to_their_neighbours_only_when_there_are_some() {
    let first = AccountQuery::parse(None, Some(50), Some(0)).unwrap();
    assert_eq!(first.previous_offset(), None);
    assert_eq!(first.next_offset(120), Some(50));
    let last = AccountQuery::parse(None, Some(50), Some(100)).unwrap();
    assert_eq!(last.next_offset(120), None);
    assert_eq!(last.previous_offset(), Some(50));
    let odd = AccountQuery::parse(None, Some(50), Some(20)).unwrap();
    assert_eq!(odd.previous_offset(), Some(0));
}
