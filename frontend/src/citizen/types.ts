// The shapes of the public survey API (shared/API.md, "Public").

export type Lang = 'id' | 'en'
export interface Text { id: string; en: string }
export interface Option { value: string; label: Text }

export interface Question {
  code: string
  kind: 'element' | 'choice' | 'number' | 'text'
  element?: string
  required: boolean
  label: Text
  options?: Option[]
  min?: number // number questions
  max?: number // number questions; text: max length
}

export interface Named { id: string; name: string; unit_id?: string }

export interface SurveyForm {
  survey: { id: string; title: string; starts_on: string; ends_on: string }
  unit: Named
  units?: Named[]
  services?: Named[]
  questions: Question[]
}

export interface Payload {
  client_id: string
  unit_id?: string
  service_id?: string
  profile: Record<string, string | number>
  answers: Record<string, number>
  comment?: string
  captured_at: string
}

export interface FieldError { field: string; code: string; message?: string }

// RFC 9457 problem details as the server sends them.
export interface Problem {
  status: number
  title?: string
  detail?: string
  errors?: FieldError[]
}
