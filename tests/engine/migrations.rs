//! Migrations: concurrent starts, the ledger, and refusing a newer library.

use faultline::engine::{EngineError, library, migrate};

use crate::helpers::*;

#[tokio::test]
async fn eight_processes_migrating_at_once_all_succeed_and_load_the_library() {
    let redis = TestRedis::start();
    let settings = settings(&redis, &[]);
    let runs = (0..8).map(|_| async {
        let fns = faultline::startup::connect(&settings).await.unwrap();
        migrate::migrate(&fns.store).await
    });
    let reports: Vec<_> = futures::future::join_all(runs)
        .await
        .into_iter()
        .map(|r| r.expect("migrate succeeds"))
        .collect();
    assert_eq!(
        reports.iter().filter(|r| r.loaded).count(),
        1,
        "exactly one process loads the library"
    );
    assert_eq!(
        reports.iter().map(|r| r.groups_created).sum::<u32>(),
        4,
        "each shard's group created once"
    );

    let fns = faultline::startup::connect(&settings).await.unwrap();
    let (version, sum) = migrate::deployed(&fns.store).await.unwrap();
    assert_eq!((version, sum), (library::version(), library::checksum()));
    let ledger = redis.query(&["HLEN", &fns.store.keys.ledger()]).unwrap();
    assert_eq!(
        redis::from_redis_value::<u32>(ledger).unwrap(),
        library::version()
    );
    let again = migrate::migrate(&fns.store).await.unwrap();
    assert!(
        !again.loaded && again.groups_created == 0,
        "a second migrate has nothing to do"
    );
}

#[tokio::test]
async fn a_binary_refuses_to_start_on_a_newer_library() {
    let redis = TestRedis::start();
    let newer = "#!lua name=faultline\nredis.register_function{function_name='fl_version', callback=function() return '999:abc' end, flags={'no-writes'}}";
    redis.query(&["FUNCTION", "LOAD", newer]).unwrap();
    let fns = faultline::startup::connect(&settings(&redis, &[]))
        .await
        .unwrap();
    let err = migrate::migrate(&fns.store).await.unwrap_err();
    assert!(
        matches!(err, EngineError::NewerLibrary { deployed: 999, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade faultline"));
}

/// The lease is deleted only by the process whose token it holds: one that
/// expired and was taken by another process stays theirs.
#[tokio::test]
async fn the_migration_lease_is_released_only_by_its_holder() {
    let redis = TestRedis::start();
    let fns = faultline::startup::connect(&settings(&redis, &[]))
        .await
        .unwrap();
    migrate::migrate(&fns.store).await.unwrap();
    let lock = fns.store.keys.migrate_lock();
    let exists = |redis: &TestRedis| -> i64 {
        redis::from_redis_value(redis.query(&["EXISTS", &lock]).unwrap()).unwrap()
    };
    assert_eq!(exists(&redis), 0, "migrate gives its lease back");

    redis
        .query(&["SET", &lock, "someone-else", "PX", "30000"])
        .unwrap();
    migrate::release_lock(&fns.store, "not-the-holder").await;
    assert_eq!(redis.text(&lock), "someone-else");
    migrate::release_lock(&fns.store, "someone-else").await;
    assert_eq!(exists(&redis), 0);
}
