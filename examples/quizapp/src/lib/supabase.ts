import { createClient } from '@supabase/supabase-js'

// Requests are sent to /supabase on our own origin and forwarded by the Vite dev server
// (see server.proxy in vite.config.ts), which keeps the browser from hitting CORS errors.
const supabaseUrl = `${window.location.origin}/supabase`
const supabaseAnonKey = import.meta.env.VITE_SUPABASE_ANON_KEY

export const supabase = createClient(supabaseUrl, supabaseAnonKey, {
  auth: {
    autoRefreshToken: true,
    persistSession: true,
  },
})
