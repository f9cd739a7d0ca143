import { Fragment } from 'react'
import { Link } from 'react-router-dom'
import { Menu, Transition } from '@headlessui/react'
import { BellIcon, UserCircleIcon } from '@heroicons/react/24/outline'
import { supabase } from '../lib/supabase'

export function NavBar() {
  return (
    <nav className="container" style={{ display: 'flex', justifyContent: 'space-between' }}>
      <Link to="/dashboard">TrustStream</Link>
      <div style={{ display: 'flex', gap: '1rem' }}>
        <Link to="/communities">Communities</Link>
        <Link to="/dashboard" aria-label="Notifications">
          <BellIcon width={24} />
        </Link>
        <Menu as="div" style={{ position: 'relative' }}>
          <Menu.Button aria-label="Account">
            <UserCircleIcon width={24} />
          </Menu.Button>
          <Transition as={Fragment}>
            <Menu.Items className="card" style={{ position: 'absolute', right: 0 }}>
              <Menu.Item>
                <Link to="/profile">Your profile</Link>
              </Menu.Item>
              <Menu.Item>
                <button type="button" onClick={() => supabase.auth.signOut()}>
                  Sign out
                </button>
              </Menu.Item>
            </Menu.Items>
          </Transition>
        </Menu>
      </div>
    </nav>
  )
}
