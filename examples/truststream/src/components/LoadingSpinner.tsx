export function LoadingSpinner() {
  return (
    <div className="container" aria-busy="true" aria-live="polite">
      <svg width="32" height="32" viewBox="0 0 24 24" className="spinner">
        <circle cx="12" cy="12" r="10" stroke="#4f46e5" strokeWidth="3" fill="none" strokeDasharray="40 20" />
      </svg>
    </div>
  )
}
