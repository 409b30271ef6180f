//! The Transcribe adapter against moto server: the job it starts, and idempotent restarts.

use calltrack::ports::{StartOutcome, Transcriber, TranscriptionJob};
use calltrack_aws::TranscribeTranscriber;
use calltrack_integration::moto;

async fn transcriber() -> (TranscribeTranscriber, String) {
    let config = moto::sdk_config().await;
    let bucket = moto::unique("media");
    aws_sdk_s3::Client::new(&config)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    (
        TranscribeTranscriber::from_env(&config, bucket.clone()),
        bucket,
    )
}

fn job(name: &str, language: Option<&str>, stereo: bool) -> TranscriptionJob {
    TranscriptionJob {
        name: name.to_string(),
        media_key: format!("recordings/acme/{name}.wav"),
        output_key: format!("transcripts/acme/{name}.json"),
        language: language.map(str::to_string),
        stereo,
    }
}

#[tokio::test]
async fn stereo_job_uses_channel_identification_and_writes_to_the_output_key() {
    let (tr, bucket) = transcriber().await;
    let name = moto::unique("rec");
    assert_eq!(
        tr.start(&job(&name, Some("en-US"), true)).await.unwrap(),
        StartOutcome::Started
    );
    let got = tr
        .client()
        .get_transcription_job()
        .transcription_job_name(&name)
        .send()
        .await
        .unwrap();
    let j = got.transcription_job().expect("the job");
    assert_eq!(
        j.media().and_then(|m| m.media_file_uri()),
        Some(format!("s3://{bucket}/recordings/acme/{name}.wav").as_str())
    );
    assert_eq!(j.language_code().map(|l| l.as_str()), Some("en-US"));
    let settings = j.settings().expect("settings");
    assert_eq!(settings.channel_identification(), Some(true));
    assert_ne!(settings.show_speaker_labels(), Some(true));
    // moto moves the job along on each read; once done, the transcript is where we asked.
    let mut uri = None;
    for _ in 0..10 {
        let got = tr
            .client()
            .get_transcription_job()
            .transcription_job_name(&name)
            .send()
            .await
            .unwrap();
        let j = got.transcription_job().expect("the job");
        if j.transcription_job_status().map(|s| s.as_str()) == Some("COMPLETED") {
            uri = j
                .transcript()
                .and_then(|t| t.transcript_file_uri())
                .map(str::to_string);
            break;
        }
    }
    let uri = uri.expect("the job completes on moto");
    assert!(
        uri.ends_with(&format!("/{bucket}/transcripts/acme/{name}.json")),
        "{uri}"
    );
}

#[tokio::test]
async fn mono_job_without_language_identifies_it_and_labels_two_speakers() {
    let (tr, _) = transcriber().await;
    let name = moto::unique("rec");
    assert_eq!(
        tr.start(&job(&name, None, false)).await.unwrap(),
        StartOutcome::Started
    );
    let got = tr
        .client()
        .get_transcription_job()
        .transcription_job_name(&name)
        .send()
        .await
        .unwrap();
    let j = got.transcription_job().expect("the job");
    let settings = j.settings().expect("settings");
    assert_eq!(settings.show_speaker_labels(), Some(true));
    assert_eq!(settings.max_speaker_labels(), Some(2));
    assert_eq!(j.identify_language(), Some(true));
}

#[tokio::test]
async fn second_start_of_the_same_recording_answers_already_exists() {
    let (tr, _) = transcriber().await;
    let name = moto::unique("rec");
    let j = job(&name, Some("ru-RU"), true);
    assert_eq!(tr.start(&j).await.unwrap(), StartOutcome::Started);
    assert_eq!(tr.start(&j).await.unwrap(), StartOutcome::AlreadyExists);
}
