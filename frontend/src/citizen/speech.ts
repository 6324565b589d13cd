// Read aloud, in Indonesian only: the buttons show only when the device
// has an Indonesian voice. Voices often arrive after load (voiceschanged).
import type { Question } from './types'

let voice: SpeechSynthesisVoice | undefined

export function initSpeech() {
  const ss = window.speechSynthesis
  if (!ss) return
  const pick = () => {
    voice = ss.getVoices().find((v) => /^id(-|_|$)/i.test(v.lang))
    document.documentElement.classList.toggle('has-speech', !!voice)
  }
  pick()
  ss.addEventListener?.('voiceschanged', pick)
}

export function speak(q: Question, n: number) {
  const ss = window.speechSynthesis
  if (!ss || !voice) return
  const opts = (q.options ?? []).map((o, i) => `${i + 1}, ${o.label.id}`).join('. ')
  const u = new SpeechSynthesisUtterance(`Pertanyaan ${n}. ${q.label.id}. ${opts ? `Pilihan: ${opts}.` : ''}`)
  u.voice = voice
  u.lang = voice.lang
  u.rate = 0.95
  ss.cancel() // a second press restarts instead of queueing
  ss.speak(u)
}
