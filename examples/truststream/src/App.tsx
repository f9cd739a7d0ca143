import { Suspense, lazy } from 'react'
import { Navigate, Route, Routes } from 'react-router-dom'
import { LoadingSpinner } from './components/LoadingSpinner'
import { NavBar } from './components/NavBar'
import { useNotificationsRealtime } from './hooks/useRealtime'
import { useSession } from './hooks/useSession'

const Dashboard = lazy(() => import('./pages/Dashboard'))
const Communities = lazy(() => import('./pages/Communities'))
const Profile = lazy(() => import('./pages/Profile'))

function App() {
  const session = useSession()
  useNotificationsRealtime(session?.user.id)

  return (
    <>
      <NavBar />
      <main className="container">
        <Suspense fallback={<LoadingSpinner />}>
          <Routes>
            <Route path="/" element={<Navigate to="/dashboard" replace />} />
            <Route path="/dashboard" element={<Dashboard />} />
            <Route path="/communities" element={<Communities />} />
            <Route path="/communities/:communityId" element={<Communities />} />
            <Route path="/profile" element={<Profile />} />
            <Route path="/profile/:username" element={<Profile />} />
          </Routes>
        </Suspense>
      </main>
    </>
  )
}

export default App
