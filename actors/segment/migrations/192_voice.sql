-- The streamer's voice in each analysis window (actors/ai/voice.ts): measured locally
-- (loudness, pitch range, speaking rate → an "energy" label, source local) and, with an audio
-- or multimodal LLM configured (VOICE_EMOTION_LLM), the emotion it hears (source llm).
-- NULL: no audio, or analysed before this existed.
ALTER TABLE analysis_tips ADD COLUMN voice jsonb;
